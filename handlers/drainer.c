/* drainer: processes queued work — resumes to extract and score, emails to send — once or following the queue. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/status.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/procmetrics.h"
#include "core/signals.h"
#include "queue/drain.h"

static const char usage_text[] =
	"usage: drainer --once [--max-seconds N] | --follow\n"
	"               [--max-in-flight N] [--extract-workers N] [--grace-seconds N]\n"
	"\n"
	"  --once             drain until the queue is empty (or --max-seconds pass), then exit: for cron,\n"
	"                     a systemd timer or a Kubernetes CronJob\n"
	"  --follow           keep running; wake on new work (LISTEN/NOTIFY)\n"
	"  --max-seconds N    stop claiming after N seconds\n"
	"  --max-in-flight N  resume tasks held at once (default: twice SHORTLIST_LLM_CONCURRENCY)\n"
	"  --extract-workers N  extraction processes at once (default: SHORTLIST_EXTRACT_WORKERS, or one per core)\n"
	"  --grace-seconds N  on SIGTERM, time given to work in flight before it goes back to the queue (default 20)\n"
	"\n"
	"Any number of drainers may run at once, on any hosts. Exit codes: 0 ok, 64 usage, 70 could not start,\n"
	"78 bad configuration.\n";

static int number_arg(int argc, char **argv, int *i, int64_t max, int64_t *out)
{
	if (*i + 1 >= argc || parse_int64(argv[*i + 1], 0, max, out) < 0)
		return -1;
	(*i)++;
	return 0;
}

int main(int argc, char **argv)
{
	struct drain_options o;
	struct drain_stats stats;
	volatile sig_atomic_t *stop;
	bool once = false;
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.grace_seconds = 20;
	for (i = 1; i < argc; i++) {
		int64_t v = 0;

		if (strcmp(argv[i], "--once") == 0) {
			once = true;
		} else if (strcmp(argv[i], "--follow") == 0) {
			o.follow = true;
		} else if (strcmp(argv[i], "--max-seconds") == 0 && number_arg(argc, argv, &i, 86400 * 365, &v) == 0) {
			o.max_seconds = v;
		} else if (strcmp(argv[i], "--max-in-flight") == 0 && number_arg(argc, argv, &i, 100000, &v) == 0) {
			o.max_in_flight = (int)v;
		} else if (strcmp(argv[i], "--extract-workers") == 0 && number_arg(argc, argv, &i, 256, &v) == 0) {
			o.extract_workers = (int)v;
		} else if (strcmp(argv[i], "--grace-seconds") == 0 && number_arg(argc, argv, &i, 3600, &v) == 0) {
			o.grace_seconds = (int)v;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else {
			fprintf(stderr, "error: unknown or incomplete argument '%s'\n\n%s", argv[i], usage_text);
			return EX_USAGE;
		}
	}
	if (once == o.follow) {
		fprintf(stderr, "error: give exactly one of --once and --follow\n\n%s", usage_text);
		return EX_USAGE;
	}
	config_load_or_die(NULL);
	log_init(argv[0]);
	stop = signals_install(NULL);
	procmetrics_open("drainer");
	/* PostgreSQL down is waited out inside drain_run, so the code is 70 (could not start) or 0. */
	rc = status_exit_code(drain_run(&o, stop, &stats));
	procmetrics_close();
	cache_close();
	db_close();
	config_release();
	return rc;
}
