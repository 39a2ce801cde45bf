/* page: keyset pagination parameters (cursor, limit) and the page envelope every list returns. */
#ifndef SHORTLIST_PAGE_H
#define SHORTLIST_PAGE_H

#include <cJSON.h>
#include <stdint.h>

#include "http/req.h"

#define PAGE_LIMIT_DEFAULT 20
#define PAGE_LIMIT_MAX 100

/*
 * Reads ?cursor= and ?limit= (1..100, default 20). The cursor is opaque to
 * clients ("c" followed by a position); *position gets 0 when absent.
 * Returns 0 or ST_BAD_REQUEST with the detail set.
 */
int page_params(struct req *r, int64_t *position, int *limit);

/*
 * Responds 200 with {"items": items, "next_cursor": "..." or null} and
 * takes ownership of items. next_position 0 means no more pages.
 */
int page_respond(struct req *r, cJSON *items, int64_t next_position);

#endif
