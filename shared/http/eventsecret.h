/* eventsecret: the shared secret that authenticates notifications pushed to the service (S3 events, bounces, DSNs). */
#ifndef SHORTLIST_EVENTSECRET_H
#define SHORTLIST_EVENTSECRET_H

#include "http/req.h"

/*
 * Checks the secret a notification carries: the X-Shortlist-Event-Secret
 * header, or else the token query parameter (for senders such as SNS that
 * can only be given a URL). expected is the configured secret and setting
 * its name (for the answer when it is empty); what names the route in logs
 * ("s3 events"). Returns 0 when it matches; otherwise answers the request
 * and returns ST_UNAVAILABLE (nothing configured: the route is off) or
 * ST_UNAUTHORIZED (missing or wrong). Logs each refusal once,
 * never the secret.
 */
int eventsecret_check(struct req *r, const char *expected, const char *setting, const char *what);

#endif
