/* hostmetrics: gauges of this host for the scraper — readiness as /readyz sees it, each dependency, and the disk under the service's state. */
#ifndef SHORTLIST_HOSTMETRICS_H
#define SHORTLIST_HOSTMETRICS_H

#include <stddef.h>

#include "base/buf.h"
#include "core/readiness.h"

/*
 * Appends, in the Prometheus text format:
 * - shortlist_ready: 1 when no dependency in deps is down (what /readyz
 *   answers 200 for, degraded or not), else 0;
 * - shortlist_dependency_up{dependency=NAME}: 1 (up or slow) or 0 (down) for
 *   each of the n dependencies (names[i] for deps[i]);
 * - shortlist_dependency_slow{dependency=NAME}: 1 while it is slow (answering
 *   late or timing out, not yet down), else 0;
 * - shortlist_dependency_probe_seconds{dependency=NAME}: its last probe's time;
 * - shortlist_disk_free_bytes{path} and shortlist_disk_size_bytes{path} of
 *   the file system holding state_dir (left out when it cannot be read;
 *   NULL: none).
 * The alert rules of infra/prometheus/rules read these.
 */
void hostmetrics_render(struct buf *out, const char *const *names, const struct readiness *deps, size_t n,
			const char *state_dir);

#endif
