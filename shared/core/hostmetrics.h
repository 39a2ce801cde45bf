/* hostmetrics: gauges of this host for the scraper — readiness as /readyz sees it, each dependency, and the disk under the service's state. */
#ifndef SHORTLIST_HOSTMETRICS_H
#define SHORTLIST_HOSTMETRICS_H

#include <stddef.h>

#include "base/buf.h"
#include "core/readiness.h"

/*
 * Appends, in the Prometheus text format:
 * - shortlist_ready: 1 when every dependency in deps is up (what /readyz
 *   answers 200 for), else 0;
 * - shortlist_dependency_up{dependency=NAME}: 1 or 0 for each of the n
 *   dependencies (names[i] for deps[i]);
 * - shortlist_disk_free_bytes{path} and shortlist_disk_size_bytes{path} of
 *   the file system holding state_dir (left out when it cannot be read;
 *   NULL: none).
 * The alert rules of infra/prometheus/rules read these.
 */
void hostmetrics_render(struct buf *out, const char *const *names, const struct readiness *deps, size_t n,
			const char *state_dir);

#endif
