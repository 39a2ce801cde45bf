/* eventsecret: the shared secret that authenticates notifications pushed to the service (S3 events, bounces, DSNs). */
#include "http/eventsecret.h"

#include <string.h>

#include "base/sha256.h"
#include "base/status.h"
#include "core/log.h"
#include "http/resp.h"

int eventsecret_check(struct req *r, const char *expected, const char *setting, const char *what)
{
	const char *given = req_header(r, "HTTP_X_SHORTLIST_EVENT_SECRET");

	if (!expected || !*expected) {
		log_warn("%s: refused a notification: %s is not configured", what, setting);
		return resp_fail(r, ST_UNAVAILABLE,
				 "these notifications are not configured on this server (%s is empty)", setting);
	}
	if (!given || !*given)
		given = req_query(r, "token");
	if (!given || !*given) {
		log_warn("%s: refused a notification without the shared secret", what);
		return resp_fail(r, ST_UNAUTHORIZED,
				 "missing event secret: send X-Shortlist-Event-Secret or the token query parameter");
	}
	if (!sha256_secret_equal(given, expected)) {
		log_warn("%s: refused a notification with a wrong shared secret", what);
		return resp_fail(r, ST_UNAUTHORIZED, "invalid event secret");
	}
	return 0;
}
