/* kept: hot reads answered from the answer cache, and fresh answers kept there. */
#include "http/kept.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "http/resp.h"

int kept_answer(struct req *r, struct answer_slot *slot, int64_t *aux, const char *fmt, ...)
{
	struct buf body = BUF_INIT(ANSWERCACHE_VALUE_MAX);
	char what[ANSWERCACHE_WHAT_MAX + 1];
	va_list ap;
	int n, rc;

	slot->usable = false;
	slot->key[0] = '\0';
	*aux = 0;
	va_start(ap, fmt);
	n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(what))
		return 0;
	if (answercache_get(slot, r->org_id, what, &body, aux) != 1) {
		buf_release(&body);
		return 0;
	}
	rc = resp_raw(r, 200, "application/json", body.ptr, body.len);
	buf_release(&body);
	return rc == 0 ? 1 : 0;
}

int kept_json_take(struct req *r, const struct answer_slot *slot, cJSON *item, int64_t aux)
{
	char *text = json_print(item);
	size_t len = strlen(text);
	int rc = resp_raw(r, 200, "application/json", text, len);

	cJSON_Delete(item);
	if (rc == 0)
		answercache_put(slot, text, len, aux);
	free(text);
	return rc;
}
