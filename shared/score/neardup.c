/* neardup: links between near-duplicate resumes of one organisation, found by their SimHash, and the word difference shown with each. */
#include "score/neardup.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"
#include "core/log.h"
#include "text/mask.h"
#include "text/textnorm.h"

/* Most words of a text the difference reads; a resume has a few thousand at most. */
#define DIFF_MAX_WORDS 20000

/*
 * The fingerprints of the organisation that share a band with the new one
 * and are within the link distance with agreeing names: each band test is
 * an index range (resume_fingerprints_bN), the distance and names are
 * checked on those rows only.
 */
static const char lookup_sql[] =
	"SELECT f.resume_id, bit_count((f.simhash # $3::bigint)::bit(64))::int, r.text"
	" FROM resume_fingerprints f JOIN resumes r ON r.id = f.resume_id"
	" WHERE f.org_id = $1 AND f.resume_id <> $2"
	" AND (f.b0 = $4 OR f.b1 = $5 OR f.b2 = $6 OR f.b3 = $7 OR f.b4 = $8 OR f.b5 = $9 OR f.b6 = $10 OR f.b7 = $11)"
	" AND bit_count((f.simhash # $3::bigint)::bit(64)) <= $12"
	" AND (f.name_key = '' OR $13 = '' OR f.name_key = $13)"
	" ORDER BY f.resume_id";

/* A resume's links, both sides, with the other resume's job (resume_links_of: migration 0330). */
static const char links_sql[] =
	"SELECT l.resume_a, l.resume_b, l.distance, l.diff,"
	" to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), l.job_a, l.job_b"
	" FROM resume_links_of($1, $2::bigint[]) l"
	" ORDER BY l.created_at DESC, l.resume_a DESC, l.resume_b DESC";

static const struct counters_statement statements[] = {
	{ "neardup_lookup", lookup_sql, "ORG_ID, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 7, ''" },
	{ "neardup_links", links_sql, "ORG_ID, '{1,2}'" },
};

const struct counters_statement *neardup_statements(size_t *n)
{
	*n = ARRAY_SIZE(statements);
	return statements;
}

void neardup_name_key(const char *name, char *out, size_t outlen)
{
	size_t n = 0;
	bool space = false;

	if (outlen == 0)
		return;
	for (; name && *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = n > 0;
			continue;
		}
		if (space && n + 1 < outlen)
			out[n++] = ' ';
		space = false;
		if (n + 1 < outlen)
			out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
}

struct words {
	uint64_t *key;
	uint32_t *start, *end;
	size_t n;
};

static void words_read(const char *text, size_t len, struct words *w)
{
	size_t pos = 0, s, e, cap = 0;
	bool brk;

	memset(w, 0, sizeof(*w));
	while (w->n < DIFF_MAX_WORDS && textnorm_next_word(text, len, &pos, &s, &e, &brk)) {
		char low[TEXTNORM_WORD_MAX + 1];
		size_t l = e - s < TEXTNORM_WORD_MAX ? e - s : TEXTNORM_WORD_MAX;

		if (w->n == cap) {
			cap = cap ? 2 * cap : 256;
			w->key = xrealloc(w->key, cap * sizeof(*w->key));
			w->start = xrealloc(w->start, cap * sizeof(*w->start));
			w->end = xrealloc(w->end, cap * sizeof(*w->end));
		}
		memcpy(low, text + s, l);
		low[l] = '\0';
		textnorm_lower(low);
		w->key[w->n] = textnorm_hash(low, l);
		w->start[w->n] = (uint32_t)s;
		w->end[w->n] = (uint32_t)e;
		w->n++;
	}
}

static void words_release(struct words *w)
{
	free(w->key);
	free(w->start);
	free(w->end);
}

/* Lists the unmatched words of w[from..to) (at most NEARDUP_DIFF_WORDS) in arr and returns how many there are. */
static int list_unmatched(const char *text, const struct words *w, const bool *matched, size_t from, size_t to,
			  cJSON *arr)
{
	int count = 0;
	size_t i;

	for (i = from; i < to; i++) {
		if (matched[i - from])
			continue;
		if (count < NEARDUP_DIFF_WORDS) {
			char *s = xstrndup(text + w->start[i], w->end[i] - w->start[i]);

			textnorm_lower(s);
			cJSON_AddItemToArray(arr, cJSON_CreateString(s));
			free(s);
		}
		count++;
	}
	return count;
}

cJSON *neardup_diff(const char *a, size_t alen, const char *b, size_t blen)
{
	struct words wa, wb;
	size_t pre = 0, suf = 0, i, j, na, nb;
	bool *ma, *mb;
	cJSON *out = cJSON_CreateObject(), *la = cJSON_CreateArray(), *lb = cJSON_CreateArray();
	int ca, cb;

	words_read(a ? a : "", a ? alen : 0, &wa);
	words_read(b ? b : "", b ? blen : 0, &wb);
	while (pre < wa.n && pre < wb.n && wa.key[pre] == wb.key[pre])
		pre++;
	while (suf < wa.n - pre && suf < wb.n - pre && wa.key[wa.n - 1 - suf] == wb.key[wb.n - 1 - suf])
		suf++;
	na = wa.n - pre - suf;
	nb = wb.n - pre - suf;
	ma = xcalloc(na + 1, sizeof(*ma));
	mb = xcalloc(nb + 1, sizeof(*mb));
	/* The middles: each word of a matched with the first unmatched equal word of b. */
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (!mb[j] && wa.key[pre + i] == wb.key[pre + j]) {
				ma[i] = mb[j] = true;
				break;
			}
	ca = list_unmatched(a, &wa, ma, pre, pre + na, la);
	cb = list_unmatched(b, &wb, mb, pre, pre + nb, lb);
	cJSON_AddItemToObject(out, "only_a", la);
	cJSON_AddItemToObject(out, "only_b", lb);
	cJSON_AddNumberToObject(out, "only_a_count", ca);
	cJSON_AddNumberToObject(out, "only_b_count", cb);
	free(ma);
	free(mb);
	words_release(&wa);
	words_release(&wb);
	return out;
}

/* The difference of two texts with their contact details masked, older text as a; an empty one when masking fails. */
static char *masked_diff(const char *older, const char *newer)
{
	char why[200];
	size_t la = 0, lb = 0;
	char *ma = mask_contacts(older, strlen(older), &la, NULL, why, sizeof(why));
	char *mb = ma ? mask_contacts(newer, strlen(newer), &lb, NULL, why, sizeof(why)) : NULL;
	cJSON *d;
	char *s;

	if (ma && mb) {
		d = neardup_diff(ma, la, mb, lb);
	} else {
		log_warn("neardup: the difference is left empty: %s", why);
		d = cJSON_CreateObject();
	}
	s = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	free(ma);
	free(mb);
	return s;
}

int neardup_record(int64_t org_id, int64_t resume_id, const char *text, size_t len, const char *name, int *linked)
{
	char org[24], rid[24], hash[24], band[SIMHASH_BANDS][8], maxd[8], key[256], lockid[24];
	struct db_result *res = NULL;
	uint64_t h;
	size_t words;
	int rc, i, n;

	if (linked)
		*linked = 0;
	if (!text)
		return 0;
	words = simhash_word_count(text, len);
	if (words < NEARDUP_MIN_WORDS)
		return 0;
	h = simhash_text(text, len);
	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	db_int_param((int64_t)h, hash);
	for (i = 0; i < SIMHASH_BANDS; i++)
		snprintf(band[i], sizeof(band[i]), "%u", simhash_band(h, i));
	snprintf(maxd, sizeof(maxd), "%d", NEARDUP_MAX_DISTANCE);
	neardup_name_key(name, key, sizeof(key));
	db_int_param(org_id % 2147483647, lockid);
	{
		/* Finishing resumes of one organisation take turns here, so two copies settling together still meet. */
		const char *p[1] = { lockid };

		rc = db_exec("neardup_lock", "SELECT pg_advisory_xact_lock(280, $1::int)", 1, p, NULL);
	}
	if (rc == 0) {
		char words_s[24];
		const char *p[13] = { org,     rid,	hash,	 words_s, key,	   band[0], band[1],
				      band[2], band[3], band[4], band[5], band[6], band[7] };

		db_int_param((int64_t)words, words_s);
		rc = db_exec(
			"neardup_insert",
			"INSERT INTO resume_fingerprints (org_id, resume_id, simhash, words, name_key,"
			" b0, b1, b2, b3, b4, b5, b6, b7) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
			" $12, $13) ON CONFLICT (resume_id) DO UPDATE SET simhash = EXCLUDED.simhash,"
			" words = EXCLUDED.words, name_key = EXCLUDED.name_key, b0 = EXCLUDED.b0, b1 = EXCLUDED.b1,"
			" b2 = EXCLUDED.b2, b3 = EXCLUDED.b3, b4 = EXCLUDED.b4, b5 = EXCLUDED.b5, b6 = EXCLUDED.b6,"
			" b7 = EXCLUDED.b7",
			13, p, NULL);
	}
	if (rc == 0) {
		const char *p[13] = { org,     rid,	hash,	 band[0], band[1], band[2], band[3],
				      band[4], band[5], band[6], band[7], maxd,	   key };

		rc = db_query("neardup_lookup", lookup_sql, 13, p, &res);
	}
	n = rc == 0 ? db_rows(res) : 0;
	for (i = 0; rc == 0 && i < n; i++) {
		int64_t other = db_int(res, i, 0, 0);
		const char *otext = db_value(res, i, 2);
		char a[24], b[24], dist[8];
		char *diff;

		db_int_param(other < resume_id ? other : resume_id, a);
		db_int_param(other < resume_id ? resume_id : other, b);
		snprintf(dist, sizeof(dist), "%s", db_value(res, i, 1));
		diff = other < resume_id ? masked_diff(otext ? otext : "", text)
					 : masked_diff(text, otext ? otext : "");
		{
			const char *p[5] = { org, a, b, dist, diff };

			rc = db_exec("neardup_link",
				     "INSERT INTO resume_links (org_id, resume_a, resume_b, distance, diff)"
				     " VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (resume_a, resume_b) DO UPDATE"
				     " SET distance = EXCLUDED.distance, diff = EXCLUDED.diff",
				     5, p, NULL);
		}
		free(diff);
		if (rc == 0 && linked)
			(*linked)++;
		if (rc == 0)
			log_info("neardup: resume %lld is %s bits from resume %lld of the same organisation; linked",
				 (long long)resume_id, dist, (long long)other);
	}
	db_result_free(res);
	return rc;
}

/* The link of row i as seen from its side "here" (a when here_is_a). */
static cJSON *link_json(const struct db_result *res, int i, bool here_is_a)
{
	cJSON *o = cJSON_CreateObject(), *diff = cJSON_Parse(db_value(res, i, 3));
	const char *here = here_is_a ? "only_a" : "only_b", *there = here_is_a ? "only_b" : "only_a";
	char name[32];
	const cJSON *v;
	int k;

	cJSON_AddNumberToObject(o, "resume_id", (double)db_int(res, i, here_is_a ? 1 : 0, 0));
	cJSON_AddNumberToObject(o, "job_id", (double)db_int(res, i, here_is_a ? 6 : 5, 0));
	cJSON_AddNumberToObject(o, "distance", (double)db_int(res, i, 2, 0));
	cJSON_AddStringToObject(o, "linked_at", db_value(res, i, 4));
	for (k = 0; k < 2; k++) {
		const char *side = k == 0 ? here : there;

		v = cJSON_GetObjectItemCaseSensitive(diff, side);
		cJSON_AddItemToObject(o, k == 0 ? "only_here" : "only_there",
				      cJSON_IsArray(v) ? cJSON_Duplicate(v, true) : cJSON_CreateArray());
		snprintf(name, sizeof(name), "%s_count", side);
		v = cJSON_GetObjectItemCaseSensitive(diff, name);
		cJSON_AddNumberToObject(o, k == 0 ? "only_here_count" : "only_there_count",
					cJSON_IsNumber(v) ? v->valuedouble : 0);
	}
	cJSON_Delete(diff);
	return o;
}

/* The links of every id in ids (a "{1,2}" array): rows as links_sql returns them. */
static int query_links(int64_t org_id, const char *ids, struct db_result **res)
{
	char org[24];
	const char *p[2] = { org, ids };

	db_int_param(org_id, org);
	return db_query("neardup_links", links_sql, 2, p, res);
}

int neardup_links(int64_t org_id, int64_t resume_id, cJSON **out)
{
	struct db_result *res = NULL;
	char ids[32];
	int rc, i, n;

	*out = NULL;
	snprintf(ids, sizeof(ids), "{%lld}", (long long)resume_id);
	rc = query_links(org_id, ids, &res);
	if (rc < 0)
		return rc;
	*out = cJSON_CreateArray();
	n = db_rows(res);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(*out, link_json(res, i, db_int(res, i, 0, 0) == resume_id));
	db_result_free(res);
	return 0;
}

int neardup_attach(int64_t org_id, cJSON *items)
{
	struct db_result *res = NULL;
	struct buf ids = BUF_INIT(1 << 20);
	cJSON *it;
	int rc = 0, i, n;
	bool any = false;

	buf_append_char(&ids, '{');
	cJSON_ArrayForEach(it, items)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "resume_id");

		if (!cJSON_IsNumber(id))
			continue;
		buf_printf(&ids, "%s%lld", any ? "," : "", (long long)id->valuedouble);
		any = true;
		cJSON_AddItemToObject(it, "near_duplicates", cJSON_CreateArray());
	}
	buf_append_char(&ids, '}');
	buf_append_char(&ids, '\0');
	if (any)
		rc = query_links(org_id, ids.ptr, &res);
	n = rc == 0 && any ? db_rows(res) : 0;
	for (i = 0; i < n; i++) {
		int64_t a = db_int(res, i, 0, 0), b = db_int(res, i, 1, 0);

		cJSON_ArrayForEach(it, items)
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "resume_id");
			int64_t here;

			if (!cJSON_IsNumber(id))
				continue;
			here = (int64_t)id->valuedouble;
			if (here == a || here == b)
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(it, "near_duplicates"),
						     link_json(res, i, here == a));
		}
	}
	db_result_free(res);
	buf_release(&ids);
	return rc;
}
