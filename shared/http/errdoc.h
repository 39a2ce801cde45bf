/* errdoc: the problem+json answer to a request lighttpd refused itself, given the request's X-Request-Id. */
#ifndef SHORTLIST_ERRDOC_H
#define SHORTLIST_ERRDOC_H

#include <stdbool.h>

#include "http/req.h"

/*
 * lighttpd answers some requests before any route runs (a POST without
 * Content-Length, a body over server.max-request-size, bad framing, an
 * unknown static path, a handler pool that cannot answer). With
 * server.error-handler it passes each such request on to a handler with
 * the status it chose in REDIRECT_STATUS (lighttpd/shortlist.conf), so
 * that the answer carries an X-Request-Id like every other.
 *
 * When redirect_status (the REDIRECT_STATUS parameter, NULL when absent)
 * is a status from 400 to 599, sets that status and a problem+json body on
 * r and returns true: the body is lighttpd's own document
 * DIR/status-NNN.html (DIR from the environment's SHORTLIST_ERRORS_DIR,
 * read each time, at most 4 KiB) with "instance" and "request_id" added,
 * or a problem with the status's reason phrase when that file is missing
 * or not a JSON object. A 503 also gets Retry-After. Otherwise returns
 * false and leaves r as it was: the request is an ordinary one.
 */
bool errdoc_answer(struct req *r, const char *redirect_status);

#endif
