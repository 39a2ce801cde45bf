/* Unit tests for neardup and simhash: the word difference, the name folding, the bands' pigeonhole and one-word edits within the link distance. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/neardup.h"
#include "text/simhash.h"
#include "suite.h"

static const char base[] =
	"Adaeze Thornbury\nBackend engineer with nine years of building payment and logistics systems, careful about "
	"correctness, observability and the people who run the software. Designed the settlement service in Go that "
	"reconciles two million transactions a day, cut the nightly batch from four hours to twenty minutes, "
	"introduced "
	"contract tests between eleven services and led the migration from MySQL to PostgreSQL without downtime. "
	"Mentored five engineers and ran the on-call rota. Built the route planning API used by three hundred depots, "
	"wrote the load testing harness, moved deployments to Kubernetes and kept the error budget.";

/* The difference's words on side k ("only_a" or "only_b") joined by spaces, and its count. */
static void side(const cJSON *d, const char *k, char *out, size_t len, int *count)
{
	const cJSON *w;
	char name[32];
	size_t n = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(d, k))
	{
		int m = snprintf(out + n, len - n, "%s%s", n ? " " : "", w->valuestring);

		ck_assert_int_ge(m, 0);
		n += (size_t)m;
		ck_assert_uint_lt(n, len);
	}
	snprintf(name, sizeof(name), "%s_count", k);
	*count = (int)cJSON_GetObjectItemCaseSensitive(d, name)->valuedouble;
}

static const struct {
	const char *a, *b, *only_a, *only_b;
	int count_a, count_b;
} diffs[] = {
	{ "one two three four", "one two three four", "", "", 0, 0 },
	{ "Designed it in Go for years", "Designed it in Rust for years", "go", "rust", 1, 1 },
	{ "alpha beta gamma", "alpha beta gamma delta", "", "delta", 0, 1 },
	{ "Zeta alpha beta", "alpha beta", "zeta", "", 1, 0 },
	/* Moved words are matched one for one, repeated ones counted. */
	{ "red green blue red", "blue red green green", "red", "green", 1, 1 },
	{ "", "a b", "", "a b", 0, 2 },
};

START_TEST(test_diff)
{
	char a[256], b[256];
	int ca, cb;
	cJSON *d = neardup_diff(diffs[_i].a, strlen(diffs[_i].a), diffs[_i].b, strlen(diffs[_i].b));

	side(d, "only_a", a, sizeof(a), &ca);
	side(d, "only_b", b, sizeof(b), &cb);
	ck_assert_str_eq(a, diffs[_i].only_a);
	ck_assert_str_eq(b, diffs[_i].only_b);
	ck_assert_int_eq(ca, diffs[_i].count_a);
	ck_assert_int_eq(cb, diffs[_i].count_b);
	cJSON_Delete(d);
}
END_TEST

/* A long difference lists NEARDUP_DIFF_WORDS words and counts them all. */
START_TEST(test_diff_capped)
{
	char b[4096] = "";
	size_t n = 0;
	int i, m;
	cJSON *d;

	for (i = 0; i < 50; i++) {
		m = snprintf(b + n, sizeof(b) - n, "word%d ", i);
		ck_assert_int_gt(m, 0);
		n += (size_t)m;
	}
	d = neardup_diff("start end", 9, b, n);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "only_b")), NEARDUP_DIFF_WORDS);
	ck_assert_int_eq((int)cJSON_GetObjectItemCaseSensitive(d, "only_b_count")->valuedouble, 50);
	ck_assert_int_eq((int)cJSON_GetObjectItemCaseSensitive(d, "only_a_count")->valuedouble, 2);
	cJSON_Delete(d);
}
END_TEST

START_TEST(test_name_key)
{
	char k[16];

	neardup_name_key("  Ada   LOVELACE\t", k, sizeof(k));
	ck_assert_str_eq(k, "ada lovelace");
	neardup_name_key(NULL, k, sizeof(k));
	ck_assert_str_eq(k, "");
	neardup_name_key("Bartholomew Quennell-Smythe", k, sizeof(k));
	ck_assert_uint_eq(strlen(k), sizeof(k) - 1);
	ck_assert(strncmp(k, "bartholomew que", sizeof(k) - 1) == 0);
}
END_TEST

/* Every pair at most SIMHASH_BANDS - 1 bits apart shares a band: flipping any 7 bits leaves one band whole. */
START_TEST(test_bands_pigeonhole)
{
	uint64_t h = 0x0123456789abcdefull, seed = 42;
	int trial, i, b;

	ck_assert_int_eq(SIMHASH_BANDS * SIMHASH_BAND_BITS, 64);
	ck_assert_int_lt(NEARDUP_MAX_DISTANCE, SIMHASH_BANDS);
	for (trial = 0; trial < 2000; trial++) {
		uint64_t g = h;
		int same = 0;

		/* Seven distinct random bits flipped (a little xorshift). */
		while (simhash_distance(g, h) < NEARDUP_MAX_DISTANCE) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			g ^= (uint64_t)1 << (seed % 64);
			if (simhash_distance(g, h) > NEARDUP_MAX_DISTANCE)
				g ^= (uint64_t)1 << (seed % 64);
		}
		for (i = 0; i < SIMHASH_BANDS; i++)
			same += simhash_band(g, i) == simhash_band(h, i);
		ck_assert_int_ge(same, 1);
	}
	/* One bit in each band: eight bits apart, no band in common, beyond the link distance. */
	{
		uint64_t g = h;
		int same = 0;

		for (b = 0; b < SIMHASH_BANDS; b++)
			g ^= (uint64_t)1 << (b * SIMHASH_BAND_BITS);
		for (i = 0; i < SIMHASH_BANDS; i++)
			same += simhash_band(g, i) == simhash_band(h, i);
		ck_assert_int_eq(same, 0);
		ck_assert_int_gt(simhash_distance(g, h), NEARDUP_MAX_DISTANCE);
	}
	ck_assert_uint_eq(simhash_band(0xff00000000000000ull, 7), 255);
	ck_assert_uint_eq(simhash_band(0xff00000000000000ull, 6), 0);
}
END_TEST

/* A one-word edit stays within the link distance; an unrelated text does not; both have enough words. */
START_TEST(test_one_word_edit)
{
	const char *other = "Paediatric nurse and clinical educator with twelve years on neonatal wards, now teaching "
			    "simulation courses and writing infection-control guidance. Designed the neonatal "
			    "resuscitation programme taken by four hundred staff, audited hand hygiene on nine wards "
			    "and halved line infections; cared for premature infants in a level three unit.";
	char *edit = strdup(base), *p = strstr(edit, " Go ");
	uint64_t h = simhash_text(base, strlen(base));

	ck_assert_ptr_nonnull(p);
	memcpy(p + 1, "C#", 2);
	ck_assert_uint_ge(simhash_word_count(base, strlen(base)), NEARDUP_MIN_WORDS);
	ck_assert_int_le(simhash_distance(h, simhash_text(edit, strlen(edit))), NEARDUP_MAX_DISTANCE);
	ck_assert_int_gt(simhash_distance(h, simhash_text(other, strlen(other))), NEARDUP_MAX_DISTANCE);
	free(edit);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("neardup");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_diff, 0, (int)(sizeof(diffs) / sizeof(diffs[0])));
	tcase_add_test(tc, test_diff_capped);
	tcase_add_test(tc, test_name_key);
	tcase_add_test(tc, test_bands_pigeonhole);
	tcase_add_test(tc, test_one_word_edit);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
