/* Unit tests for json's id helpers: json_is_id and json_id_array, with the refusals they write. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "suite.h"

START_TEST(test_is_id)
{
	static const char *const ids[] = { "1", "42", "9000000000000000", "7.0" };
	static const char *const not_ids[] = { "0", "-3", "1.5", "9000000000000001", "\"7\"", "null", "true", "[1]" };
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cJSON *v = cJSON_Parse(ids[i]);

		ck_assert_msg(json_is_id(v), "%s is not taken as an id", ids[i]);
		cJSON_Delete(v);
	}
	for (i = 0; i < sizeof(not_ids) / sizeof(not_ids[0]); i++) {
		cJSON *v = cJSON_Parse(not_ids[i]);

		ck_assert_msg(!json_is_id(v), "%s is taken as an id", not_ids[i]);
		cJSON_Delete(v);
	}
	ck_assert(!json_is_id(NULL));
}
END_TEST

/* The ids of text (an array, or anything else) with max 3; NULL and the refusal in err when refused. */
static int64_t *ids_of(const char *text, size_t *n, char *err, size_t errlen)
{
	cJSON *v = cJSON_Parse(text);
	int64_t *ids = json_id_array(v, "candidate_ids", 3, n, err, errlen);

	cJSON_Delete(v);
	return ids;
}

START_TEST(test_id_array)
{
	static const struct {
		const char *in;
		const char *refusal;
	} refused[] = {
		{ "[]", "candidate_ids: must be an array of 1 to 3 ids" },
		{ "[1,2,3,4]", "candidate_ids: must be an array of 1 to 3 ids" },
		{ "{\"a\":1}", "candidate_ids: must be an array of 1 to 3 ids" },
		{ "7", "candidate_ids: must be an array of 1 to 3 ids" },
		{ "[1,\"2\"]", "candidate_ids[1]: must be a positive integer" },
		{ "[0]", "candidate_ids[0]: must be a positive integer" },
		{ "[5,6,2.5]", "candidate_ids[2]: must be a positive integer" },
	};
	char err[128];
	int64_t *ids;
	size_t n = 99, i;

	ids = ids_of("[5, 9000000000000000, 5]", &n, err, sizeof(err));
	ck_assert_ptr_nonnull(ids);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ids[0], 5);
	ck_assert_int_eq(ids[1], 9000000000000000LL);
	ck_assert_int_eq(ids[2], 5);
	free(ids);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		n = 99;
		ck_assert_msg(ids_of(refused[i].in, &n, err, sizeof(err)) == NULL, "%s accepted", refused[i].in);
		ck_assert_str_eq(err, refused[i].refusal);
		ck_assert_uint_eq(n, 0);
	}
	/* An absent member (NULL) is refused the same way. */
	ck_assert_ptr_null(json_id_array(NULL, "email_ids", 500, &n, err, sizeof(err)));
	ck_assert_str_eq(err, "email_ids: must be an array of 1 to 500 ids");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_is_id);
	tcase_add_test(tc, test_id_array);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
