/* Unit tests for the LLM's criteria made into a rubric, must-have criteria, and the diff between rubric versions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "score/criteria.h"
#include "score/rubric.h"
#include "score/rubricdiff.h"
#include "suite.h"

static cJSON *parse(const char *text)
{
	char err[200];
	cJSON *j = json_parse(text, strlen(text), 16, err, sizeof(err));

	ck_assert_msg(j != NULL, "%s", err);
	return j;
}

static struct rubric *rubric_of(const char *text)
{
	char err[300] = "";
	cJSON *j = parse(text);
	struct rubric *r = rubric_from_json(j, "rubric", err, sizeof(err));

	cJSON_Delete(j);
	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

START_TEST(test_answer_to_rubric)
{
	cJSON *a = parse(
		"{\"criteria\":["
		"{\"title\":\"  Food safety  \",\"evidence\":\"Holds HACCP level 2\",\"weight\":8,"
		"\"must_have\":true,\"keywords\":[\"haccp\",\" \",\"food safety\"]},"
		"{\"title\":\"food SAFETY\",\"evidence\":\"dup\",\"weight\":3,\"must_have\":false,\"keywords\":[]},"
		"{\"title\":\"\",\"evidence\":\"blank\",\"weight\":3,\"must_have\":false,\"keywords\":[]},"
		"{\"title\":\"Pastry\",\"evidence\":\"\",\"weight\":40,\"must_have\":false,\"keywords\":[\"pastry\"]}]"
		"}");
	char err[200] = "";
	struct rubric *r = criteria_from_answer(a, err, sizeof(err));

	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(r->ncriteria, 2); /* the duplicate and the blank title are left out */
	ck_assert_str_eq(r->criteria[0].name, "Food safety");
	ck_assert_str_eq(r->criteria[0].description, "Holds HACCP level 2");
	ck_assert(r->criteria[0].must_have);
	ck_assert_uint_eq(r->criteria[0].nkeywords, 2); /* the blank keyword is left out */
	ck_assert(!r->criteria[1].must_have);
	ck_assert(r->criteria[1].weight == 10); /* weights are kept within 1 to 10 */
	rubric_free(r);
	cJSON_Delete(a);
}
END_TEST

START_TEST(test_answer_without_criteria)
{
	cJSON *a = parse("{\"criteria\":[{\"title\":\" \",\"evidence\":\"\",\"weight\":1,\"must_have\":false,"
			 "\"keywords\":[]}]}");
	char err[200] = "";

	ck_assert_ptr_null(criteria_from_answer(a, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no usable criterion") != NULL, "%s", err);
	cJSON_Delete(a);
}
END_TEST

START_TEST(test_long_title_is_cut_at_a_character)
{
	char text[1024], err[200] = "";
	struct rubric *r;
	cJSON *a;
	size_t i, n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"criteria\":[{\"title\":\"");
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "é"); /* 120 bytes */
	snprintf(text + n, sizeof(text) - n,
		 "\",\"evidence\":\"\",\"weight\":5,\"must_have\":false,\"keywords\":[]}]}");
	a = parse(text);
	r = criteria_from_answer(a, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(strlen(r->criteria[0].name), 100);
	rubric_free(r);
	cJSON_Delete(a);
}
END_TEST

START_TEST(test_schema_is_strict)
{
	cJSON *s = criteria_schema();
	const cJSON *item =
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "properties"), "criteria"), "items");

	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(s, "additionalProperties")));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(item, "additionalProperties")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(item, "required")), 5);
	cJSON_Delete(s);
}
END_TEST

START_TEST(test_must_have_keeps_old_versions)
{
	struct rubric *plain = rubric_of("{\"criteria\":[{\"name\":\"Go\",\"weight\":1,\"keywords\":[\"go\"]}]}");
	struct rubric *nice =
		rubric_of("{\"criteria\":[{\"name\":\"Go\",\"weight\":1,\"keywords\":[\"go\"],\"must_have\":false}]}");
	struct rubric *must =
		rubric_of("{\"criteria\":[{\"name\":\"Go\",\"weight\":1,\"keywords\":[\"go\"],\"must_have\":true}]}");
	cJSON *j = rubric_to_json(must);
	char err[200] = "";
	cJSON *bad = parse("{\"criteria\":[{\"name\":\"Go\",\"weight\":1,\"must_have\":1}]}");

	ck_assert_str_eq(plain->version, nice->version); /* absent and false are the same rubric */
	ck_assert_str_ne(plain->version, must->version);
	ck_assert(cJSON_IsTrue(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "criteria"), 0), "must_have")));
	ck_assert_ptr_null(rubric_from_json(bad, "body", err, sizeof(err)));
	ck_assert_msg(strstr(err, "body.criteria[0].must_have") != NULL, "%s", err);
	cJSON_Delete(bad);
	cJSON_Delete(j);
	rubric_free(plain);
	rubric_free(nice);
	rubric_free(must);
}
END_TEST

START_TEST(test_diff)
{
	struct rubric *a = rubric_of("{\"criteria\":[{\"name\":\"Go\",\"weight\":1,\"keywords\":[\"go\"]},"
				     "{\"name\":\"SQL\",\"weight\":2,\"keywords\":[\"sql\"]},"
				     "{\"name\":\"Kafka\",\"weight\":1}]}");
	struct rubric *b =
		rubric_of("{\"criteria\":[{\"name\":\"sql\",\"weight\":2,\"keywords\":[\"sql\"]},"
			  "{\"name\":\"Go\",\"weight\":3,\"keywords\":[\"go\",\"golang\"],\"must_have\":true},"
			  "{\"name\":\"Helm\",\"weight\":1}]}");
	cJSON *d = rubric_diff(a, b);
	char *text = json_print(d);

	ck_assert_str_eq(text, "{\"added\":[\"Helm\"],\"removed\":[\"Kafka\"],\"changed\":[{\"name\":\"Go\",\"fields\":"
			       "{\"weight\":{\"from\":1,\"to\":3},\"must_have\":{\"from\":false,\"to\":true},"
			       "\"keywords\":{\"from\":[\"go\"],\"to\":[\"go\",\"golang\"]}}}],\"unchanged\":1}");
	ck_assert(rubric_criterion_same(&a->criteria[1], &b->criteria[0])); /* names compare ignoring case */
	ck_assert(!rubric_criterion_same(&a->criteria[0], &b->criteria[1]));
	free(text);
	cJSON_Delete(d);
	rubric_free(a);
	rubric_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("criteria");
	TCase *tc = tcase_create("criteria");
	int failed;

	tcase_add_test(tc, test_answer_to_rubric);
	tcase_add_test(tc, test_answer_without_criteria);
	tcase_add_test(tc, test_long_title_is_cut_at_a_character);
	tcase_add_test(tc, test_schema_is_strict);
	tcase_add_test(tc, test_must_have_keeps_old_versions);
	tcase_add_test(tc, test_diff);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
