/* s3client: the process's one S3 client, made from config on first use and freed at exit. */
#include "intake/s3client.h"

#include <stdlib.h>

static struct s3_client *client;

static void release(void)
{
	s3_client_free(client);
	client = NULL;
}

int s3client_get(struct s3_client **out, struct s3_error *err)
{
	static int registered;
	int rc;

	*out = NULL;
	if (!client) {
		rc = s3_client_new_from_config(&client, err);
		if (rc < 0)
			return rc;
		if (!registered && atexit(release) == 0)
			registered = 1;
	}
	*out = client;
	return 0;
}
