/* kept: serving a hot read's answer from the answer cache (answercache.h), and keeping a fresh one there. */
#ifndef SHORTLIST_KEPT_H
#define SHORTLIST_KEPT_H

#include <cJSON.h>
#include <stdint.h>

#include "core/answercache.h"
#include "http/req.h"

/*
 * Looks up the answer of what (printf-style: the route's name, its
 * parameters and the caller's view; printable, no spaces) for the caller's
 * organisation. Returns 1 when a kept one was found: the response is set
 * (200, application/json) and *aux holds the number kept with it. Returns 0
 * otherwise, with slot ready for kept_json_take() (unusable when the key
 * would be longer than ANSWERCACHE_WHAT_MAX, the cache is off or memcached
 * is down).
 */
int kept_answer(struct req *r, struct answer_slot *slot, int64_t *aux, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets a 200 JSON response from item (freed) and keeps its text under slot with aux. Returns 0 or a status. */
int kept_json_take(struct req *r, const struct answer_slot *slot, cJSON *item, int64_t aux);

#endif
