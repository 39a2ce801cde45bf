/* route: what a route table entry promises — the HTTP statuses its method and flags imply, and a program's route listing. */
#ifndef SHORTLIST_ROUTE_H
#define SHORTLIST_ROUTE_H

#include <stddef.h>
#include <stdio.h>

#include "http/app.h"

/* More than route_statuses() ever writes. */
#define ROUTE_MAX_STATUSES 16

/*
 * The HTTP error statuses a route can answer because of its method and
 * flags, whatever its function does; the API reference must list each
 * (tests/t0190-openapi-routes.sh). The rules:
 *   POST                      411 (lighttpd wants a length) and 413
 *   PUT, PATCH                413 (a body over the limit)
 *   ROUTE_JSON_BODY           400, 413, 415 (req_json_body)
 *   ROUTE_AUTH                401, 503 (the key or session is looked up),
 *                             429 (apilimit, or iplimit after a failed authentication)
 *   public, not ROUTE_IP_NONE 429 (iplimit), and 503 but for ROUTE_IP_READYZ and _METRICS
 *   ROUTE_AUTH and POST, PUT, PATCH or DELETE
 *                             403 (a cookie change without X-Requested-With)
 *   ROUTE_STORE               503
 * Writes them to out in ascending order, each once, and returns how many
 * there are; when that exceeds max, only the max smallest were written.
 * Never more than ROUTE_MAX_STATUSES.
 */
size_t route_statuses(const struct route *rt, int *out, size_t max);

/*
 * Prints one line per route of app to f: "METHOD PATTERN STATUSES", the
 * statuses of route_statuses() joined by commas ("-" when none). What a
 * handler program prints for --routes (app_main()).
 */
void route_print(const struct app *app, FILE *f);

#endif
