/* Unit tests for the local scorer: determinism, ranking, verified evidence, strengths, gaps, knock-outs, speed bound. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/evidence.h"
#include "score/score_local.h"
#include "suite.h"

static const char job_json[] =
	"{\"title\":\"Senior Platform Engineer\",\"required_skills\":[\"Kubernetes\",\"Terraform\"],"
	"\"description\":\"We run our platform on AWS with Kubernetes. You will automate infrastructure with "
	"Terraform, write services in Go and Python, and improve observability with Prometheus. Requirements: 5+ "
	"years of experience operating production infrastructure, incident response and on-call.\"}";

static const char strong[] = "Alex Example\nSenior Platform Engineer\n\n"
			     "Experience\n"
			     "Acme Cloud, Senior Platform Engineer, Jan 2018 \xE2\x80\x93 Present\n"
			     "- Ran Kubernetes clusters on AWS serving 200 services; on-call lead.\n"
			     "- Automated infrastructure with Terraform and wrote services in Go.\n"
			     "- Built observability with Prometheus; led incident response.\n"
			     "Initech, Engineer, 2014 - 2017\n- Python tooling for production infrastructure.\n"
			     "Education\nB.S. Computer Science, State University, 2010 - 2014\n";

static const char weak[] = "Sam Sample\nPastry Chef\n\nExperience\nBakery, Pastry Chef, 2021 - Present\n"
			   "- Baked bread and cakes for 300 customers a day; managed ordering and a team of three.\n"
			   "- Designed seasonal menus and trained apprentices in food safety and hygiene.\n"
			   "- Kept the kitchen spotless, handled supplier invoices and planned weekly rotas.\n"
			   "Education\nCulinary diploma, City College, 2019 - 2021\n";

static struct job *make_job(const char *json)
{
	struct job *job;
	char err[256];

	ck_assert_msg(job_parse(json, strlen(json), &job, err, sizeof(err)) == 0, "%s", err);
	return job;
}

START_TEST(test_deterministic_bytes)
{
	struct job *j1 = make_job(job_json), *j2 = make_job(job_json);
	struct analysis *a = score_local(j1, strong, strlen(strong), 2025, 6);
	struct analysis *b = score_local(j2, strong, strlen(strong), 2025, 6);
	struct analysis *c = score_local(j1, strong, strlen(strong), 2025, 6);
	char *sa = analysis_to_string(a), *sb = analysis_to_string(b), *sc = analysis_to_string(c);

	ck_assert_str_eq(sa, sb);
	ck_assert_str_eq(sa, sc);
	free(sa);
	free(sb);
	free(sc);
	analysis_free(a);
	analysis_free(b);
	analysis_free(c);
	job_free(j1);
	job_free(j2);
}
END_TEST

START_TEST(test_strong_beats_weak)
{
	struct job *job = make_job(job_json);
	struct analysis *a = score_local(job, strong, strlen(strong), 2025, 6);
	struct analysis *b = score_local(job, weak, strlen(weak), 2025, 6);

	ck_assert_msg(a->score > b->score + 30, "strong %.1f weak %.1f", a->score, b->score);
	ck_assert_int_eq(a->category, ANALYSIS_SHORTLIST);
	ck_assert_int_eq(b->category, ANALYSIS_REJECT);
	ck_assert(a->years_known);
	ck_assert(a->years_experience >= 10);
	ck_assert(analysis_list_has(&a->matched_skills, "Kubernetes"));
	ck_assert(analysis_list_has(&a->matched_skills, "Terraform"));
	ck_assert(analysis_list_has(&b->missing_skills, "Terraform"));
	ck_assert(analysis_list_has(&a->criteria[0].strengths, "has Kubernetes"));
	ck_assert(analysis_list_has(&b->criteria[0].gaps, "no mention of Terraform"));
	analysis_free(a);
	analysis_free(b);
	job_free(job);
}
END_TEST

START_TEST(test_evidence_is_verified_and_located)
{
	struct job *job = make_job(job_json);
	struct analysis *a = score_local(job, strong, strlen(strong), 2025, 6);
	size_t i, j, n = 0;

	for (i = 0; i < a->ncriteria; i++) {
		const struct analysis_criterion *c = &a->criteria[i];
		ck_assert_msg(c->supported == (c->nevidence > 0), "criterion %s", c->name);
		ck_assert_uint_le(c->nevidence, SCORE_LOCAL_EVIDENCE_MAX);
		for (j = 0; j < c->nevidence; j++) {
			const struct analysis_evidence *e = &c->evidence[j];
			ck_assert(e->verified);
			ck_assert_uint_le(strlen(e->quote), SCORE_LOCAL_QUOTE_MAX);
			ck_assert_uint_le(e->end, strlen(strong));
			ck_assert_uint_eq(e->end - e->start, strlen(e->quote));
			ck_assert_int_eq(memcmp(strong + e->start, e->quote, strlen(e->quote)), 0);
			n++;
		}
	}
	ck_assert_uint_gt(n, 4);
	analysis_free(a);
	job_free(job);
}
END_TEST

START_TEST(test_long_line_quote_window)
{
	struct job *job = make_job(job_json);
	char t[4096];
	size_t i, n = 0;
	struct analysis *a;

	for (i = 0; i < 60; i++, n += 12)
		memcpy(t + n, "lorem ipsum ", 12);
	memcpy(t + n, "Kubernetes", 10);
	n += 10;
	for (i = 0; i < 60; i++, n += 10)
		memcpy(t + n, " dolor sit", 10);
	t[n] = '\0';
	a = score_local(job, t, n, 2025, 6);
	ck_assert_uint_ge(a->criteria[0].nevidence, 1);
	ck_assert_uint_le(strlen(a->criteria[0].evidence[0].quote), SCORE_LOCAL_QUOTE_MAX);
	ck_assert_ptr_nonnull(strstr(a->criteria[0].evidence[0].quote, "Kubernetes"));
	ck_assert(a->criteria[0].evidence[0].verified);
	analysis_free(a);
	job_free(job);
}
END_TEST

START_TEST(test_knockout_and_little_text)
{
	struct job *job = make_job("{\"title\":\"Platform Engineer\",\"description\":\"Kubernetes and Terraform.\","
				   "\"knockouts\":[{\"type\":\"min_years\",\"years\":20}]}");
	struct analysis *a = score_local(job, strong, strlen(strong), 2025, 6);
	struct analysis *e = score_local(job, "", 0, 2025, 6);

	ck_assert_int_eq(a->category, ANALYSIS_REJECT);
	ck_assert_ptr_nonnull(strstr(a->summary, "Rejected by knock-out: min_years 20"));
	/* Nothing to read is never a verdict. */
	ck_assert_int_eq(e->category, ANALYSIS_NEEDS_REVIEW);
	ck_assert(analysis_list_has(&e->flags, "little_text"));
	ck_assert(analysis_list_has(&e->flags, "years_unknown"));
	ck_assert_double_eq(e->score, 0);
	analysis_free(a);
	analysis_free(e);
	job_free(job);
}
END_TEST

START_TEST(test_explicit_rubric_used)
{
	struct job *job =
		make_job("{\"title\":\"Baker\",\"description\":\"Bakery work.\",\"rubric\":{\"criteria\":["
			 "{\"name\":\"Baking\",\"weight\":1,\"keywords\":[\"bread\",\"cakes\",\"sourdough\"]}]}}");
	struct analysis *a = score_local(job, weak, strlen(weak), 2025, 6);

	ck_assert_uint_eq(a->ncriteria, 1);
	ck_assert_str_eq(a->criteria[0].name, "Baking");
	/*
	 * Two of three keywords, each weighted by how specific it is and by its
	 * place in the list: bread 0.35 x 1, cakes 0.35 x 5/6 and the missing
	 * sourdough 0.6 x 4/6, so 10 x sqrt(0.642 / 1.042) = 7.9.
	 */
	ck_assert_double_eq_tol(a->criteria[0].score, 7.9, 0.001);
	ck_assert(analysis_list_has(&a->criteria[0].gaps, "no mention of sourdough"));
	ck_assert_double_eq_tol(a->score, 79, 0.001);
	analysis_free(a);
	job_free(job);
}
END_TEST

/* "front-end" in a rubric finds "frontend" in a resume, and the reverse spelling is not needed. */
START_TEST(test_closed_compound)
{
	struct job *job = make_job("{\"title\":\"Developer\",\"description\":\"Web work.\",\"rubric\":{\"criteria\":["
				   "{\"name\":\"Stack\",\"weight\":1,\"keywords\":[\"front-end\",\"back end\"]}]}}");
	static const char text[] = "Frontend and backend developer.\nAcme, 2015 - 2024\n";
	static const char none[] = "Front office and end of back room.\nAcme, 2015 - 2024\n";
	struct analysis *a = score_local(job, text, strlen(text), 2025, 6);
	struct analysis *b = score_local(job, none, strlen(none), 2025, 6);

	ck_assert_double_eq_tol(a->criteria[0].score, 10, 0.001);
	ck_assert(analysis_list_has(&a->criteria[0].strengths, "has front-end"));
	ck_assert_double_eq_tol(b->criteria[0].score, 0, 0.001);
	analysis_free(a);
	analysis_free(b);
	job_free(job);
}
END_TEST

/* For a senior role, years beyond the minimum keep counting: 25 years outrank 10, which outrank 3. */
START_TEST(test_senior_years_order)
{
	struct job *job = make_job("{\"title\":\"Senior Animation Designer\",\"description\":\"Create animations "
				   "with Maya and After Effects for clients.\"}");
	static const char r25[] = "Senior Animation Designer\nAnimation Designer, Studio, Jan 2000 - Present\n"
				  "Animations in Maya and After Effects for clients.\n";
	static const char r10[] = "Senior Animation Designer\nAnimation Designer, Studio, Jan 2015 - Present\n"
				  "Animations in Maya and After Effects for clients.\n";
	static const char r3[] = "Senior Animation Designer\nAnimation Designer, Studio, Jan 2022 - Present\n"
				 "Animations in Maya and After Effects for clients.\n";
	struct analysis *a = score_local(job, r25, strlen(r25), 2025, 6);
	struct analysis *b = score_local(job, r10, strlen(r10), 2025, 6);
	struct analysis *c = score_local(job, r3, strlen(r3), 2025, 6);

	ck_assert_msg(a->score > b->score && b->score > c->score, "%.1f %.1f %.1f", a->score, b->score, c->score);
	analysis_free(a);
	analysis_free(b);
	analysis_free(c);
	job_free(job);
}
END_TEST

START_TEST(test_many_resumes_no_leak_or_drift)
{
	struct job *job = make_job(job_json);
	struct analysis *first = score_local(job, strong, strlen(strong), 2025, 6);
	char *s0 = analysis_to_string(first);
	int i;

	for (i = 0; i < 2000; i++) {
		struct analysis *a = score_local(job, i % 2 ? weak : strong, strlen(i % 2 ? weak : strong), 2025, 6);
		if (i == 1998) {
			char *s = analysis_to_string(a);
			ck_assert_str_eq(s, s0);
			free(s);
		}
		analysis_free(a);
	}
	free(s0);
	analysis_free(first);
	job_free(job);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("score_local");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_deterministic_bytes);
	tcase_add_test(tc, test_strong_beats_weak);
	tcase_add_test(tc, test_evidence_is_verified_and_located);
	tcase_add_test(tc, test_long_line_quote_window);
	tcase_add_test(tc, test_knockout_and_little_text);
	tcase_add_test(tc, test_explicit_rubric_used);
	tcase_add_test(tc, test_closed_compound);
	tcase_add_test(tc, test_senior_years_order);
	tcase_add_test(tc, test_many_resumes_no_leak_or_drift);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
