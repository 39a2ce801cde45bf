/* libFuzzer harness: the query-string parser, percent-decoding and route matching never crash and keep their invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/app.h"
#include "http/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
	"/api/v1/jobs",
	"/api/v1/jobs/{id}",
	"/api/v1/jobs/{id}/templates/{kind}/preview",
	"/api/v1/jobs/{id}/rescore/{batch_id}",
	"/api/v1/process/status/{batch_id}",
	"/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
	"/",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r;
	char *s, *dec;
	size_t i, n;
	int k;

	/* The first byte picks the pattern and whether '+' is a space; the rest is the text. */
	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	n = strlen(s);

	dec = req_url_decode(s, n, data[0] & 1);
	if (dec) {
		/* Decoding never grows the text and never yields a NUL. */
		if (strlen(dec) > n)
			abort();
		free(dec);
	}

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	if (req_parse_query(&r, s) == 0) {
		if (r.nquery > REQ_MAX_QUERY)
			abort();
		for (k = 0; k < r.nquery; k++)
			if (!r.query[k].name || !r.query[k].value || !req_query(&r, r.query[k].name))
				abort();
	}
	req_reset(&r);

	i = (data[0] >> 1) % (sizeof(patterns) / sizeof(patterns[0]));
	if (app_route_match(patterns[i], s, &r)) {
		if (r.nparams > REQ_MAX_PARAMS)
			abort();
		for (k = 0; k < r.nparams; k++)
			if (!r.params[k].value || r.params[k].value[0] == '\0')
				abort();
	}
	req_reset(&r);
	free(s);
	return 0;
}
