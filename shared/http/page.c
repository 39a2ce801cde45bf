/* page: keyset pagination parameters (cursor, limit) and the page envelope every list returns. */
#include "http/page.h"

#include <stdio.h>

#include "base/status.h"
#include "base/util.h"
#include "http/resp.h"

int page_params(struct req *r, int64_t *position, int *limit)
{
	const char *c = req_query(r, "cursor");
	const char *l = req_query(r, "limit");
	int64_t n;

	*position = 0;
	*limit = PAGE_LIMIT_DEFAULT;
	if (l) {
		if (parse_int64(l, 1, PAGE_LIMIT_MAX, &n) < 0)
			return resp_fail(r, ST_BAD_REQUEST, "limit: must be an integer from 1 to %d", PAGE_LIMIT_MAX);
		*limit = (int)n;
	}
	if (c && *c) {
		if (c[0] != 'c' || parse_int64(c + 1, 1, INT64_MAX, &n) < 0)
			return resp_fail(r, ST_BAD_REQUEST, "cursor: not a cursor this API returned");
		*position = n;
	}
	return 0;
}

int page_respond(struct req *r, cJSON *items, int64_t next_position)
{
	cJSON *body = cJSON_CreateObject();
	char cursor[32];

	cJSON_AddItemToObject(body, "items", items);
	if (next_position > 0) {
		snprintf(cursor, sizeof(cursor), "c%lld", (long long)next_position);
		cJSON_AddStringToObject(body, "next_cursor", cursor);
	} else {
		cJSON_AddNullToObject(body, "next_cursor");
	}
	return resp_json_take(r, 200, body);
}
