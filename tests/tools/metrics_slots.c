/*
 * metrics_slots: prints one line per used slot of a metrics file, "PID
 * PROGRAM N" with N the slot's HTTP requests counted, for tests that must
 * know which processes of a pool served (tests/t0960-process-metrics.sh).
 * Usage: metrics_slots FILE. Exit 0, 64 usage, 66 unreadable file.
 */
#include <stdio.h>
#include <sysexits.h>

#include "core/metricsfile.h"
#include "core/procmetrics.h"

int main(int argc, char **argv)
{
	struct mf_slot_info slots[MF_SLOTS];
	char err[512];
	int n, i;

	if (argc != 2) {
		fprintf(stderr, "usage: metrics_slots FILE\n");
		return EX_USAGE;
	}
	n = metricsfile_slots(argv[1], PM_HTTP_REQUESTS, slots, MF_SLOTS, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "error: %s\n", err);
		return EX_NOINPUT;
	}
	for (i = 0; i < n && i < MF_SLOTS; i++)
		printf("%d %s %llu\n", slots[i].pid, slots[i].program, (unsigned long long)slots[i].metric_sum);
	return 0;
}
