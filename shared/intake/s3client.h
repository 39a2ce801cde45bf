/* s3client: the process's one S3 client, made from config on first use and freed at exit. */
#ifndef SHORTLIST_S3CLIENT_H
#define SHORTLIST_S3CLIENT_H

#include "intake/s3.h"

/*
 * The process's S3 client: the first call makes it from config()
 * (s3_client_new_from_config()) and registers its release at exit; later
 * calls return the same one. Returns 0 and sets *out (borrowed: never free
 * it), or S3_INVALID with err filled when the configuration is bad (*out is
 * then NULL and the next call tries again). Not thread-safe: call it from
 * the thread that serves requests.
 */
int s3client_get(struct s3_client **out, struct s3_error *err);

#endif
