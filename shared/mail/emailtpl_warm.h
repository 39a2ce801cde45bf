/* emailtpl_warm: a job's email templates drafted by the LLM, in the drainer (never in a web request). */
#ifndef SHORTLIST_EMAILTPL_WARM_H
#define SHORTLIST_EMAILTPL_WARM_H

#include <stddef.h>
#include <stdint.h>

/*
 * When an LLM provider is configured, asks it for the job's invitation,
 * "consider" note and rejection (a blocking call each, of up to three
 * attempts), checks each draft as an edited template is checked and stores
 * it with source "llm" (a person's edit is never replaced). Without a
 * provider nothing is asked and the built-in defaults apply. Returns 0, -1
 * with the reason in err when a draft could not be had (the others are
 * still stored; the defaults stand for the rest), or a status code.
 */
int emailtpl_warm(int64_t org_id, int64_t job_id, char *err, size_t errlen);

#endif
