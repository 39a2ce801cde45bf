/* smtp: delivering built messages over SMTP with libcurl, through a pool of reused connections. */
#ifndef SHORTLIST_SMTP_H
#define SHORTLIST_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How to reach the relay; strings are copied by smtp_pool_new. */
struct smtp_options {
	const char *url;  /* smtp://host:port or smtps://host:port (implicit TLS) */
	const char *user; /* NULL or "": no AUTH */
	const char *password;
	bool require_tls;	 /* STARTTLS required on smtp:// URLs (CURLUSESSL_ALL); otherwise no TLS */
	int pool;		 /* connections kept open, and messages in flight at once (1..64) */
	int rate_per_second;	 /* send-rate cap, 0 for none */
	bool reuse;		 /* false: one new connection per message (for comparisons) */
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;	 /* one whole message, 0: 60 s */
	const char *mail_from;	 /* default envelope sender: "addr" or "Name <addr>" */
};

/*
 * Fills o from the loaded configuration (smtp_url, smtp_user,
 * smtp_password, smtp_starttls, smtp_pool, smtp_rate_per_second,
 * mail_from); the strings stay borrowed from the configuration.
 */
void smtp_options_from_config(struct smtp_options *o);

struct smtp_pool;

/*
 * Creates a pool; no connection is opened until the first send. Returns
 * NULL with a reason in err on bad options (URL scheme, pool size, sender).
 * Free with smtp_pool_free(), which says QUIT on open connections.
 */
struct smtp_pool *smtp_pool_new(const struct smtp_options *o, char *err, size_t errlen);
void smtp_pool_free(struct smtp_pool *p);

/* One message to send; everything borrowed for the duration of the call. */
struct smtp_message {
	const char *from; /* envelope sender (bare address); NULL: the pool's mail_from */
	const char *rcpt; /* the one envelope recipient (bare address) */
	const char *data; /* the whole message as built by mime_build: CRLF lines, not dot-stuffed */
	size_t len;
};

enum smtp_status {
	SMTP_SENT,     /* the server accepted the message (2xx after the data) */
	SMTP_TEMPFAIL, /* retry later: 4xx, connection refused or lost, timeout, or a session-level failure */
	SMTP_PERMFAIL, /* do not retry: 5xx to this message's RCPT or data, or an invalid message */
};

/* The last step the client reached; tells whose fault a failure is. */
enum smtp_stage {
	SMTP_STAGE_CONNECT, /* TCP/TLS connect */
	SMTP_STAGE_HELLO,   /* greeting, EHLO, STARTTLS, AUTH */
	SMTP_STAGE_MAIL,    /* MAIL FROM */
	SMTP_STAGE_RCPT,    /* RCPT TO */
	SMTP_STAGE_DATA,    /* DATA command, before the server said 354 */
	SMTP_STAGE_BODY,    /* content sent (or being sent), waiting for the final reply */
	SMTP_STAGE_DONE,    /* final 2xx received */
};

struct smtp_result {
	enum smtp_status status;
	enum smtp_stage stage;
	int code;	      /* the server's reply code at that stage, 0 when there was none */
	char reply[256];      /* that reply line ("250 2.0.0 Ok: queued as 4F2"), or the client's error */
	bool after_data;      /* the content was (at least partly) transmitted */
	bool maybe_delivered; /* after_data with no final reply: the server may have queued it (duplicates possible) */
	bool suppress;	      /* permanent failure of the recipient address (5xx to RCPT, or an invalid address) */
	bool new_connection;  /* this send opened a connection instead of reusing one */
};

/*
 * Sends n messages over the pool, at most pool at a time (one per
 * connection), honouring the rate cap; results[i] is the outcome of
 * msgs[i]. A 4xx before the data, any 5xx before RCPT (sender, AUTH) and
 * every network failure are SMTP_TEMPFAIL; a connection that failed is
 * closed, so the next message reconnects. Returns 0 when every message has
 * a result (whatever it is), -1 on bad arguments.
 */
int smtp_send_batch(struct smtp_pool *p, const struct smtp_message *msgs, size_t n, struct smtp_result *results);

/* smtp_send_batch for one message. */
int smtp_send(struct smtp_pool *p, const struct smtp_message *msg, struct smtp_result *result);

/* "sent", "tempfail", "permfail". */
const char *smtp_status_name(enum smtp_status s);
/* "connect", "hello", "mail", "rcpt", "data", "body", "done". */
const char *smtp_stage_name(enum smtp_stage s);

/*
 * A token bucket: rate tokens per second, at most burst saved up. The pool
 * uses one for its send-rate cap; exported so it can be tested without a
 * clock. smtp_rate_take() takes a token and returns 0, or returns how many
 * microseconds to wait before one is available (taking nothing).
 */
struct smtp_rate {
	double rate;
	double burst;
	double tokens;
	int64_t last_us;
};

void smtp_rate_init(struct smtp_rate *r, int rate_per_second, int burst, int64_t now_us);
int64_t smtp_rate_take(struct smtp_rate *r, int64_t now_us);

#endif
