/* status: the error codes every request handler returns, and their HTTP and exit-code meaning. */
#ifndef SHORTLIST_STATUS_H
#define SHORTLIST_STATUS_H

/*
 * Handlers and the modules under them return 0 for success or one of these
 * negative codes. The request runner maps each code to an HTTP status and a
 * problem type in one table (status_http(), status_title()); a command-line
 * program maps it to its exit code from the same table (status_exit_code()).
 */
enum status_code {
	ST_OK = 0,
	ST_BAD_REQUEST = -1,
	ST_UNAUTHORIZED = -2,
	ST_FORBIDDEN = -3,
	ST_NOT_FOUND = -4,
	ST_METHOD_NOT_ALLOWED = -5,
	ST_CONFLICT = -6,
	ST_TOO_LARGE = -7,
	ST_UNSUPPORTED_MEDIA = -8,
	ST_UNPROCESSABLE = -9,
	ST_TOO_MANY_REQUESTS = -10,
	ST_UNAVAILABLE = -11,
	ST_INTERNAL = -12,
	ST_GONE = -13,
	ST_TIMEOUT = -14, /* the client stopped sending the request (408) */
};

/* HTTP status for a code (500 for anything unknown). */
int status_http(int code);
/* Short title of a code, e.g. "Not Found". */
const char *status_title(int code);
/*
 * The <sysexits.h> exit code of a command-line program that failed with a
 * code: EX_OK for ST_OK, EX_DATAERR for bad input (bad request, not found,
 * conflict, gone, too large, unsupported, unprocessable), EX_NOPERM for
 * unauthorized and forbidden, EX_TEMPFAIL for a timeout and too many requests,
 * EX_UNAVAILABLE for a service that is down, EX_SOFTWARE for internal and
 * anything unknown.
 */
int status_exit_code(int code);
/* The reason phrase of an HTTP status number, e.g. 404 -> "Not Found". */
const char *status_reason(int http);

#endif
