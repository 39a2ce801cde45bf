/* status: the error codes every request handler returns, and their HTTP and exit-code meaning. */
#include "base/status.h"

#include <sysexits.h>

#include "base/util.h"

struct status_row {
	int code;
	int http;
	int exit_code; /* <sysexits.h> */
	const char *title;
};

static const struct status_row rows[] = {
	{ ST_OK, 200, EX_OK, "OK" },
	{ ST_BAD_REQUEST, 400, EX_DATAERR, "Bad Request" },
	{ ST_UNAUTHORIZED, 401, EX_NOPERM, "Unauthorized" },
	{ ST_FORBIDDEN, 403, EX_NOPERM, "Forbidden" },
	{ ST_NOT_FOUND, 404, EX_DATAERR, "Not Found" },
	{ ST_METHOD_NOT_ALLOWED, 405, EX_SOFTWARE, "Method Not Allowed" },
	{ ST_CONFLICT, 409, EX_DATAERR, "Conflict" },
	{ ST_TIMEOUT, 408, EX_TEMPFAIL, "Request Timeout" },
	{ ST_GONE, 410, EX_DATAERR, "Gone" },
	{ ST_TOO_LARGE, 413, EX_DATAERR, "Content Too Large" },
	{ ST_UNSUPPORTED_MEDIA, 415, EX_DATAERR, "Unsupported Media Type" },
	{ ST_UNPROCESSABLE, 422, EX_DATAERR, "Unprocessable Content" },
	{ ST_TOO_MANY_REQUESTS, 429, EX_TEMPFAIL, "Too Many Requests" },
	{ ST_INTERNAL, 500, EX_SOFTWARE, "Internal Server Error" },
	{ ST_UNAVAILABLE, 503, EX_UNAVAILABLE, "Service Unavailable" },
};

static const struct status_row *find_code(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].code == code)
			return &rows[i];
	return NULL;
}

int status_http(int code)
{
	const struct status_row *r = find_code(code);

	return r ? r->http : 500;
}

const char *status_title(int code)
{
	const struct status_row *r = find_code(code);

	return r ? r->title : "Internal Server Error";
}

int status_exit_code(int code)
{
	const struct status_row *r = find_code(code);

	return r ? r->exit_code : EX_SOFTWARE;
}

const char *status_reason(int http)
{
	size_t i;

	switch (http) {
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 207:
		return "Multi-Status";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	default:
		break;
	}
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].http == http)
			return rows[i].title;
	return "Unknown";
}
