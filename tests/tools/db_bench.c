/* db_bench: the cost of one hot read (a page of a job's shortlist) repeated, through the configured db mode. */
#include <cJSON.h>
#include <stdio.h>
#include <time.h>

#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "score/ranking.h"

/*
 * Runs ranking_list (the candidates page: two statements, the job's newest
 * analysis and the page itself) N times for job JOB of organisation ORG with
 * the configuration as given (SHORTLIST_DB_POOLER, SHORTLIST_DATABASE_URL),
 * after 100 untimed runs. Prints "pages N, items K, total_ms T, us_per_page U"
 * and exits 0, or 1 when a page failed.
 */
int main(int argc, char **argv)
{
	int64_t org, job, n, i, items = 0;
	struct timespec a, b;
	double ms;

	if (argc != 4 || parse_int64(argv[1], 1, INT64_MAX, &org) < 0 || parse_int64(argv[2], 1, INT64_MAX, &job) < 0 ||
	    parse_int64(argv[3], 1, 10000000, &n) < 0) {
		fprintf(stderr, "usage: db_bench ORG_ID JOB_ID N\n");
		return 64;
	}
	config_load_or_die(NULL);
	log_init("db_bench");
	for (i = -100; i < n; i++) {
		struct ranking_cursor next;
		cJSON *page = NULL;
		bool more = false;

		if (i == 0)
			clock_gettime(CLOCK_MONOTONIC, &a);
		if (ranking_list(org, job, NULL, NULL, 20, &page, &next, &more) < 0) {
			fprintf(stderr, "db_bench: page %lld failed: %s\n", (long long)i, db_last_error());
			db_close();
			return 1;
		}
		if (i == 0)
			items = cJSON_GetArraySize(page);
		cJSON_Delete(page);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	printf("pages %lld, items %lld, total_ms %.0f, us_per_page %.1f\n", (long long)n, (long long)items, ms,
	       ms * 1e3 / (double)n);
	db_close();
	config_release();
	return 0;
}
