/* download: short-lived links to a stored resume, whose life is capped whatever the configuration says. */
#ifndef SHORTLIST_DOWNLOAD_H
#define SHORTLIST_DOWNLOAD_H

#include <time.h>

#include "intake/s3.h"

/* A download link lives at most this many seconds, whatever s3_presign_ttl says. */
#define DOWNLOAD_TTL_MAX 300

/* A presigned GET link. url is owned (free with download_link_release()). */
struct download_link {
	char *url;
	time_t expires_at;	 /* epoch seconds */
	char expires_at_iso[32]; /* the same as "YYYY-MM-DDTHH:MM:SSZ" (UTC) */
};

/* The life in seconds of a link when the configuration asks for configured_s: never above DOWNLOAD_TTL_MAX. */
long download_ttl(long configured_s);

/*
 * Presigns a GET of key on c, signed at now, living download_ttl(configured_s)
 * seconds. Returns 0 and fills *out (release it), or an s3_result with err
 * filled and *out empty; the failure is logged here.
 */
int download_link(const struct s3_client *c, const char *key, long configured_s, time_t now, struct download_link *out,
		  struct s3_error *err);

/* Frees what *l owns (not l); accepts an empty or released link. */
void download_link_release(struct download_link *l);

#endif
