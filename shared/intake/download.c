/* download: short-lived links to a stored resume, whose life is capped whatever the configuration says. */
#include "intake/download.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

long download_ttl(long configured_s)
{
	return configured_s < DOWNLOAD_TTL_MAX ? configured_s : DOWNLOAD_TTL_MAX;
}

int download_link(const struct s3_client *c, const char *key, long configured_s, time_t now, struct download_link *out,
		  struct s3_error *err)
{
	long ttl = download_ttl(configured_s);
	struct tm tm;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = s3_presign_at(c, "GET", key, ttl, NULL, now, &out->url, err);
	if (rc < 0) {
		log_error("download: cannot presign a download of '%s': %s %s", key, err->code, err->message);
		out->url = NULL;
		return rc;
	}
	out->expires_at = now + ttl;
	gmtime_r(&out->expires_at, &tm);
	strftime(out->expires_at_iso, sizeof(out->expires_at_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

void download_link_release(struct download_link *l)
{
	free(l->url);
	l->url = NULL;
}
