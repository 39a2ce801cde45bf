/* hostmetrics: gauges of this host for the scraper — readiness as /readyz sees it, each dependency, and the disk under the service's state. */
#include "core/hostmetrics.h"

#include <stdbool.h>
#include <sys/statvfs.h>

void hostmetrics_render(struct buf *out, const char *const *names, const struct readiness *deps, size_t n,
			const char *state_dir)
{
	struct statvfs fs;
	bool ready = true;
	size_t i;

	for (i = 0; i < n; i++)
		ready = ready && readiness_serves(&deps[i]);
	buf_append_str(out, "# HELP shortlist_ready Whether /readyz on this host answers 200 (1) or 503 (0).\n"
			    "# TYPE shortlist_ready gauge\n");
	buf_printf(out, "shortlist_ready %d\n", ready ? 1 : 0);
	buf_append_str(out, "# HELP shortlist_dependency_up Each dependency as this host's readiness probe sees it.\n"
			    "# TYPE shortlist_dependency_up gauge\n");
	for (i = 0; i < n; i++)
		buf_printf(out, "shortlist_dependency_up{dependency=\"%s\"} %d\n", names[i],
			   readiness_serves(&deps[i]) ? 1 : 0);
	buf_append_str(out,
		       "# HELP shortlist_dependency_slow Each dependency answering late or not at all, not yet down.\n"
		       "# TYPE shortlist_dependency_slow gauge\n");
	for (i = 0; i < n; i++)
		buf_printf(out, "shortlist_dependency_slow{dependency=\"%s\"} %d\n", names[i],
			   deps[i].state == READINESS_SLOW ? 1 : 0);
	buf_append_str(
		out, "# HELP shortlist_dependency_probe_seconds How long each dependency's last readiness probe took.\n"
		     "# TYPE shortlist_dependency_probe_seconds gauge\n");
	for (i = 0; i < n; i++)
		buf_printf(out, "shortlist_dependency_probe_seconds{dependency=\"%s\"} %.3f\n", names[i],
			   deps[i].latency_ms / 1000.0);
	if (!state_dir || !*state_dir || statvfs(state_dir, &fs) != 0)
		return;
	buf_append_str(out,
		       "# HELP shortlist_disk_free_bytes Space left to the service on the disk holding its state.\n"
		       "# TYPE shortlist_disk_free_bytes gauge\n");
	buf_printf(out, "shortlist_disk_free_bytes{path=\"%s\"} %.0f\n", state_dir,
		   (double)fs.f_bavail * (double)fs.f_frsize);
	buf_append_str(out, "# HELP shortlist_disk_size_bytes Size of the disk holding the service's state.\n"
			    "# TYPE shortlist_disk_size_bytes gauge\n");
	buf_printf(out, "shortlist_disk_size_bytes{path=\"%s\"} %.0f\n", state_dir,
		   (double)fs.f_blocks * (double)fs.f_frsize);
}
