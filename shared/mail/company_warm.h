/* company_warm: a job's company details asked of the LLM, in the drainer (never in a web request). */
#ifndef SHORTLIST_COMPANY_WARM_H
#define SHORTLIST_COMPANY_WARM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Extracts the details of job_id locally and, when an LLM provider is
 * configured, asks it (a blocking call of up to three attempts) and takes
 * its non-empty answers over the extraction; stores the result for the job
 * version job_updated_at (an edited copy is never replaced). When the
 * provider fails the local extraction is stored and -1 returned with the
 * reason in err (the caller decides about a retry). Returns 0, -1, or a
 * status code (ST_NOT_FOUND, db codes).
 */
int company_warm(int64_t org_id, int64_t job_id, const char *job_updated_at, char *err, size_t errlen);

#endif
