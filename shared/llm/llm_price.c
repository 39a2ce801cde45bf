/* llm_price: the price table of LLM models (built in, extended or replaced by configuration), and whether a model has a price. */
#include "llm/llm_price.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"

/* Largest price file read. */
#define FILE_MAX_BYTES (256 * 1024)
#define PRICE_MAX 100000.0

/*
 * USD per 1M tokens (input, cached input, output), from the providers'
 * published price lists (mid-2025). Configuration adds to them or replaces
 * them (llm_price_parse); a model matching none has no price, and says so.
 */
static const struct llm_price builtin[] = {
	{ "gpt-4o-mini", 0.15, 0.075, 0.60 }, { "gpt-4o", 2.50, 1.25, 10.00 }, { "gpt-4.1-nano", 0.10, 0.025, 0.40 },
	{ "gpt-4.1-mini", 0.40, 0.10, 1.60 }, { "gpt-4.1", 2.00, 0.50, 8.00 }, { "o4-mini", 1.10, 0.275, 4.40 },
	{ "o3-mini", 1.10, 0.55, 4.40 },      { "o3", 2.00, 0.50, 8.00 },      { "gpt-3.5-turbo", 0.50, 0.50, 1.50 },
};

static struct llm_price table[LLM_PRICE_MAX];
static int table_n;
static int init_rc = 1; /* 1: not loaded yet */

static int put(struct llm_price *t, int n, int max, const char *name, size_t namelen, const double v[3], char *err,
	       size_t errlen)
{
	int i;

	if (namelen == 0 || namelen >= sizeof(t[0].prefix)) {
		snprintf(err, errlen, "a model name must have 1 to %zu characters", sizeof(t[0].prefix) - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strlen(t[i].prefix) == namelen && strncmp(t[i].prefix, name, namelen) == 0)
			break;
	if (i == n) {
		if (n >= max) {
			snprintf(err, errlen, "more than %d entries", max);
			return -1;
		}
		n++;
	}
	memcpy(t[i].prefix, name, namelen);
	t[i].prefix[namelen] = '\0';
	t[i].input = v[0];
	t[i].cached = v[1];
	t[i].output = v[2];
	return n;
}

static int number(const char *s, size_t len, double *out)
{
	char tmp[40], *end = NULL;
	double v;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (errno || end != tmp + len || !(v >= 0 && v <= PRICE_MAX))
		return -1;
	*out = v;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One spec entry "MODEL=IN/CACHED/OUT" at s (len bytes). */
static int parse_spec_entry(struct llm_price *t, int n, int max, const char *s, size_t len, char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len), *p, *end = s + len;
	double v[3];
	int i;

	if (!eq)
		goto bad;
	p = eq + 1;
	for (i = 0; i < 3; i++) {
		const char *q = i < 2 ? memchr(p, '/', (size_t)(end - p)) : end;

		if (!q || number(p, (size_t)(q - p), &v[i]) < 0)
			goto bad;
		p = q + 1;
	}
	n = put(t, n, max, s, (size_t)(eq - s), v, err, errlen);
	if (n < 0)
		goto named;
	return n;
bad:
	snprintf(err, errlen, "expected MODEL=INPUT/CACHED/OUTPUT (USD per 1M tokens, 0 to %.0f)", PRICE_MAX);
named:;
	{
		char msg[200];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "price entry '%.*s': %s", (int)(len > 80 ? 80 : len), s, msg);
	}
	return -1;
}

/* One file line "MODEL IN CACHED OUT". */
static int parse_line(struct llm_price *t, int n, int max, const char *s, size_t len, int lineno, char *err,
		      size_t errlen)
{
	const char *f[4], *p = s, *end = s + len;
	size_t fl[4];
	double v[3];
	int k = 0, i;

	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			break;
		if (k == 4)
			goto bad;
		f[k] = p;
		while (p < end && !is_space(*p))
			p++;
		fl[k] = (size_t)(p - f[k]);
		k++;
	}
	if (k == 0 || f[0][0] == '#')
		return n;
	if (k != 4)
		goto bad;
	for (i = 0; i < 3; i++)
		if (number(f[i + 1], fl[i + 1], &v[i]) < 0)
			goto bad;
	n = put(t, n, max, f[0], fl[0], v, err, errlen);
	if (n < 0) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "price file line %d: %s", lineno, msg);
	}
	return n;
bad:
	snprintf(err, errlen, "price file line %d: expected MODEL INPUT CACHED OUTPUT (USD per 1M tokens, 0 to %.0f)",
		 lineno, PRICE_MAX);
	return -1;
}

int llm_price_parse(struct llm_price *t, int n, int max, const char *text, bool file, char *err, size_t errlen)
{
	const char *p = text ? text : "";
	int lineno = 0;

	while (*p && n >= 0) {
		const char *start;

		if (file) {
			start = p;
			while (*p && *p != '\n')
				p++;
			n = parse_line(t, n, max, start, (size_t)(p - start), ++lineno, err, errlen);
			if (*p)
				p++;
			continue;
		}
		while (*p && (is_space(*p) || *p == ','))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_space(*p) && *p != ',')
			p++;
		n = parse_spec_entry(t, n, max, start, (size_t)(p - start), err, errlen);
	}
	return n;
}

static char *read_small_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len;

	if (!f) {
		snprintf(err, errlen, "SHORTLIST_LLM_PRICES_FILE: cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	data = xmalloc(FILE_MAX_BYTES + 1);
	len = fread(data, 1, FILE_MAX_BYTES + 1, f);
	if (ferror(f) || len > FILE_MAX_BYTES) {
		snprintf(err, errlen, "SHORTLIST_LLM_PRICES_FILE: cannot read '%s' (or it is over %d bytes)", path,
			 FILE_MAX_BYTES);
		free(data);
		data = NULL;
	} else {
		data[len] = '\0';
	}
	fclose(f);
	return data;
}

int llm_price_init(char *err, size_t errlen)
{
	static char first_err[300];
	const struct config *c;
	char *data = NULL;
	int n = (int)ARRAY_SIZE(builtin);

	if (init_rc != 1) {
		if (init_rc < 0)
			snprintf(err, errlen, "%s", first_err);
		return init_rc;
	}
	memcpy(table, builtin, sizeof(builtin));
	if (!config_is_loaded()) {
		/* Before the configuration (a tool, a unit test): the built-in entries, and the configured ones once loaded. */
		table_n = n;
		return 0;
	}
	c = config();
	if (c->llm_prices_file && *c->llm_prices_file) {
		data = read_small_file(c->llm_prices_file, first_err, sizeof(first_err));
		n = data ? llm_price_parse(table, n, LLM_PRICE_MAX, data, true, first_err, sizeof(first_err)) : -1;
		free(data);
	}
	if (n >= 0 && c->llm_prices && *c->llm_prices) {
		n = llm_price_parse(table, n, LLM_PRICE_MAX, c->llm_prices, false, first_err, sizeof(first_err));
		if (n < 0) {
			char msg[200];

			snprintf(msg, sizeof(msg), "%.199s", first_err);
			snprintf(first_err, sizeof(first_err), "SHORTLIST_LLM_PRICES: %s", msg);
		}
	}
	if (n < 0) {
		memcpy(table, builtin, sizeof(builtin));
		table_n = (int)ARRAY_SIZE(builtin);
		init_rc = -1;
		log_error("llm_price: %s; using the built-in price table only", first_err);
		snprintf(err, errlen, "%s", first_err);
		return -1;
	}
	table_n = n;
	init_rc = 0;
	return 0;
}

const struct llm_price *llm_price_of(const char *model, char *why, size_t whylen)
{
	const struct llm_price *best = NULL;
	const char *name = model ? model : "";
	char err[300];
	size_t bestlen = 0;
	int i;

	if (init_rc == 1)
		llm_price_init(err, sizeof(err));
	if (strchr(name, '/'))
		name = strrchr(name, '/') + 1;
	for (i = 0; *name && i < table_n; i++) {
		size_t n = strlen(table[i].prefix);

		if (strncmp(name, table[i].prefix, n) == 0 && n > bestlen) {
			best = &table[i];
			bestlen = n;
		}
	}
	if (!best && why)
		snprintf(why, whylen,
			 "the model '%.100s' is not in the price table (add it with SHORTLIST_LLM_PRICES or "
			 "SHORTLIST_LLM_PRICES_FILE)",
			 *name ? name : "(none)");
	return best;
}

int64_t llm_price_microusd(const struct llm_price *p, int64_t prompt_tokens, int64_t cached_tokens,
			   int64_t completion_tokens)
{
	double cost;

	if (!p)
		return 0;
	if (cached_tokens > prompt_tokens)
		cached_tokens = prompt_tokens;
	if (cached_tokens < 0)
		cached_tokens = 0;
	/* A price per 1M tokens in USD is the price per token in micro-USD. */
	cost = (double)(prompt_tokens - cached_tokens) * p->input + (double)cached_tokens * p->cached +
	       (double)completion_tokens * p->output;
	return (int64_t)llround(cost);
}
