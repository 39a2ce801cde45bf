/* score_file: scores a resume text file against a job JSON file with the local scorer and prints the analysis JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "score/analysis.h"
#include "score/job.h"
#include "score/rubric.h"
#include "score/score_local.h"
#include "text/experience.h"

#define FILE_MAX (16 * 1024 * 1024)

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "error: cannot open '%s'\n", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(b, chunk, n) < 0) {
			fprintf(stderr, "error: '%s' is larger than %d bytes\n", path, FILE_MAX);
			ret = -1;
			break;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "error: cannot read '%s'\n", path);
		ret = -1;
	}
	fclose(f);
	return ret;
}

static void usage(void)
{
	fprintf(stderr, "usage: score_file [--ref YYYY-MM] [--rubric] [--pretty] JOB.json [RESUME.txt]\n"
			"  prints the local scorer's analysis of RESUME against JOB as JSON,\n"
			"  or with --rubric the rubric the job is scored with.\n");
}

int main(int argc, char **argv)
{
	struct buf jb = BUF_INIT(FILE_MAX), rb = BUF_INIT(FILE_MAX);
	struct job *job = NULL;
	struct analysis *a = NULL;
	cJSON *out = NULL;
	char err[256], *s = NULL;
	int year, month, i, ret = 2;
	bool show_rubric = false, pretty = false;
	int64_t v;

	experience_today(&year, &month);
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--rubric") == 0) {
			show_rubric = true;
		} else if (strcmp(argv[i], "--pretty") == 0) {
			pretty = true;
		} else if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc && strlen(argv[i + 1]) == 7 &&
			   argv[i + 1][4] == '-' && parse_int64_n(argv[i + 1], 4, 1950, 9999, &v) == 0) {
			year = (int)v;
			if (parse_int64(argv[i + 1] + 5, 1, 12, &v) < 0) {
				usage();
				goto out;
			}
			month = (int)v;
			i++;
		} else {
			usage();
			goto out;
		}
	}
	if (argc - i != (show_rubric ? 1 : 2) && argc - i != 2) {
		usage();
		goto out;
	}
	if (read_file(argv[i], &jb) < 0)
		goto out;
	if (job_parse(jb.ptr ? jb.ptr : "", jb.len, &job, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: invalid job '%s': %s\n", argv[i], err);
		goto out;
	}
	if (show_rubric) {
		out = rubric_to_json(job_rubric(job));
	} else {
		if (read_file(argv[i + 1], &rb) < 0)
			goto out;
		a = score_local(job, rb.ptr ? rb.ptr : "", rb.len, year, month);
		out = analysis_to_json(a);
	}
	s = pretty ? cJSON_Print(out) : cJSON_PrintUnformatted(out);
	if (!s)
		goto out;
	printf("%s\n", s);
	ret = 0;
out:
	cJSON_free(s);
	cJSON_Delete(out);
	analysis_free(a);
	job_free(job);
	buf_release(&jb);
	buf_release(&rb);
	return ret;
}
