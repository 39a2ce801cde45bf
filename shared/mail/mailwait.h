/* mailwait: emails that wait for their job's preparation (company details, templates), released by the drainer. */
#ifndef SHORTLIST_MAILWAIT_H
#define SHORTLIST_MAILWAIT_H

#include <stdint.h>

/*
 * When none of the job's preparation is pending any more, renders each of
 * its waiting emails (emails.prep_values set) again from the job's current
 * company details and template of its kind with the values it was asked
 * with, and releases it to the senders (prep_values cleared, senders told at
 * commit). An email whose new render fails keeps the content checked when
 * it was asked for. Runs in the caller's transaction when one is open, else
 * in its own. Returns how many were released (>= 0) or a db status code.
 */
int mailwait_release(int64_t job_id);

/*
 * Releases the waiting emails of up to 100 jobs whose preparation is no
 * longer pending, in case a release was missed (two kinds finished at the
 * same moment by two drainers). Returns how many emails, or a db code.
 */
int mailwait_tend(void);

#endif
