/* Unit tests for job validation and rubric derivation, versions and JSON. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "score/job.h"
#include "score/rubric.h"
#include "suite.h"
#include "score/rubric_filler.h"
#include "text/termweights.h"
#include "text/textnorm.h"

struct job_case {
	const char *json;
	const char *error; /* substring of the error, NULL when valid */
};

static const struct job_case job_cases[] = {
	{ "{\"title\":\"Engineer\",\"description\":\"Build things.\"}", NULL },
	{ "not json", "not valid JSON" },
	{ "[1,2]", "job: must be a JSON object" },
	{ "{\"description\":\"x\"}", "title: is required" },
	{ "{\"title\":\"  \",\"description\":\"x\"}", "title: must not be empty" },
	{ "{\"title\":5,\"description\":\"x\"}", "title: must be a string" },
	{ "{\"title\":\"T\"}", "description: is required" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"company\":[]}", "company: must be a string" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"required_skills\":\"Go\"}", "required_skills: must be an array" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"required_skills\":[\"Go\",3]}",
	  "required_skills[1]: must be a string" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"required_skills\":[\"Go\",\"\"]}",
	  "required_skills[1]: must not be empty" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"required_skills\":[\"Go\",\"go\"]}",
	  "required_skills[1]: duplicate" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"min_years\",\"years\":0}]}",
	  "knockouts[0].years: must be a whole number" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"min_years\",\"years\":2.5}]}",
	  "knockouts[0].years" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"min_years\",\"years\":3},{\"type\":"
	  "\"degree\"}]}",
	  "knockouts[1].type" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"certification\",\"name\":\"\"}]}",
	  "knockouts[0].name: must not be empty" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"skill\"}]}", "knockouts[0].name" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"thresholds\":{\"shortlist\":101}}",
	  "thresholds.shortlist: must be a number from 0 to 100" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"thresholds\":{\"consider\":-1}}", "thresholds.consider" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"thresholds\":{\"shortlist\":50,\"consider\":50}}",
	  "thresholds.shortlist: must be greater than consider" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"thresholds\":{\"shortlist\":40}}", "greater than consider" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"thresholds\":\"high\"}", "thresholds: must be an object" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[]}}",
	  "rubric.criteria: must hold 1 to 50" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"name\":\"A\",\"weight\":0}]}}",
	  "rubric.criteria[0].weight: must be a positive number" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"name\":\"A\",\"weight\":-3}]}}",
	  "rubric.criteria[0].weight" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"weight\":1}]}}",
	  "rubric.criteria[0].name" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"name\":\"A\",\"weight\":1},{\"name\":"
	  "\"a\",\"weight\":1}]}}",
	  "rubric.criteria[1].name: duplicate" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"name\":\"A\",\"weight\":1,\"keywords\":["
	  "\"x\",\"\"]}]}}",
	  "rubric.criteria[0].keywords[1]" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"name\":\"A\",\"weight\":1,\"kind\":"
	  "\"vibes\"}]}}",
	  "rubric.criteria[0].kind" },
	{ "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"criteria\":[{\"name\":\"A\",\"weight\":1,\"keywords\":["
	  "\"x\"]}]},"
	  "\"thresholds\":{\"shortlist\":80,\"consider\":60},\"knockouts\":[{\"type\":\"certification\",\"name\":"
	  "\"PMP\"}]}",
	  NULL },
};

START_TEST(test_job_validation)
{
	const struct job_case *c = &job_cases[_i];
	struct job *job = (struct job *)1;
	char err[256] = "";
	int r = job_parse(c->json, strlen(c->json), &job, err, sizeof(err));

	if (!c->error) {
		ck_assert_msg(r == 0, "case %d: %s", _i, err);
		ck_assert_ptr_nonnull(job);
		job_free(job);
		return;
	}
	ck_assert_int_eq(r, -1);
	ck_assert_ptr_null(job);
	ck_assert_msg(strstr(err, c->error) != NULL, "case %d: error '%s', want '%s'", _i, err, c->error);
}
END_TEST

/* A JSON job with n copies of an item in an array field. */
static char *repeated(const char *head, const char *item, size_t n, const char *tail)
{
	size_t len = strlen(head) + n * (strlen(item) + 8) + strlen(tail) + 1, i;
	char *s = malloc(len), *p = s;

	p += snprintf(p, len, "%s", head);
	for (i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - s), "%s\"%s%zu\"", i ? "," : "", item, i);
	snprintf(p, len - (size_t)(p - s), "%s", tail);
	return s;
}

START_TEST(test_job_bounds)
{
	char err[256];
	struct job *job;
	char *s;
	size_t dlen = JOB_DESCRIPTION_MAX + 1, hl;
	const char *head = "{\"title\":\"T\",\"description\":\"";
	char *desc;

	s = repeated("{\"title\":\"T\",\"description\":\"d\",\"required_skills\":[", "s", JOB_SKILLS_MAX, "]}");
	ck_assert_int_eq(job_parse(s, strlen(s), &job, err, sizeof(err)), 0);
	ck_assert_uint_eq(job->nrequired_skills, JOB_SKILLS_MAX);
	job_free(job);
	free(s);
	s = repeated("{\"title\":\"T\",\"description\":\"d\",\"required_skills\":[", "s", JOB_SKILLS_MAX + 1, "]}");
	ck_assert_int_eq(job_parse(s, strlen(s), &job, err, sizeof(err)), -1);
	ck_assert(strstr(err, "required_skills: at most 200") != NULL);
	free(s);

	hl = strlen(head);
	desc = calloc(1, hl + dlen + 3);
	ck_assert_ptr_nonnull(desc);
	memcpy(desc, head, hl);
	memset(desc + hl, 'a', dlen);
	memcpy(desc + hl + dlen, "\"}", 3);
	ck_assert_int_eq(job_parse(desc, strlen(desc), &job, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "description: must be at most 65536 bytes") != NULL, "%s", err);
	free(desc);
}
END_TEST

START_TEST(test_job_defaults_and_round_trip)
{
	const char *json =
		"{\"title\":\" Data Analyst \",\"description\":\"Analyse data.\",\"required_skills\":[\" SQL \"],"
		"\"knockouts\":[{\"type\":\"min_years\",\"years\":3},{\"type\":\"skill\",\"name\":\"Excel\"}]}";
	struct job *job, *again;
	char err[256], *a, *b;
	cJSON *o;

	ck_assert_int_eq(job_parse(json, strlen(json), &job, err, sizeof(err)), 0);
	ck_assert_str_eq(job->title, "Data Analyst");
	ck_assert_str_eq(job->required_skills[0], "SQL");
	ck_assert_str_eq(job->company, "");
	ck_assert(job->shortlist_threshold == 75 && job->consider_threshold == 50);
	ck_assert_uint_eq(job->nknockouts, 2);
	ck_assert_int_eq(job->knockouts[0].years, 3);
	ck_assert_ptr_null(job->rubric);
	o = job_to_json(job);
	a = cJSON_PrintUnformatted(o);
	ck_assert_int_eq(job_from_json(o, &again, err, sizeof(err)), 0);
	cJSON_Delete(o);
	o = job_to_json(again);
	b = cJSON_PrintUnformatted(o);
	ck_assert_str_eq(a, b);
	cJSON_Delete(o);
	cJSON_free(a);
	cJSON_free(b);
	job_free(job);
	job_free(again);
	job_free(NULL);
}
END_TEST

static const char backend_job[] =
	"{\"title\":\"Senior Backend Engineer\",\"company\":\"Initech\",\"required_skills\":[\"Go\"],"
	"\"knockouts\":[{\"type\":\"certification\",\"name\":\"CKA\"}],"
	"\"description\":\"Initech is hiring.\\nYou will build services in Python and run them on Kubernetes with "
	"Terraform. We use PostgreSQL and Redis. Experience with machine learning is a plus. Requirements: 5+ years of "
	"experience building distributed systems; a bachelor's degree in Computer Science. You will own services "
	"end to end, on-call included. Services, services, services.\"}";

static struct job *parse_or_die(const char *json)
{
	struct job *job;
	char err[256];

	ck_assert_msg(job_parse(json, strlen(json), &job, err, sizeof(err)) == 0, "%s", err);
	return job;
}

static char *rubric_text(const struct rubric *r)
{
	cJSON *o = rubric_to_json(r);
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

static bool has_keyword(const struct rubric_criterion *c, const char *kw)
{
	size_t i;

	for (i = 0; i < c->nkeywords; i++)
		if (strcmp(c->keywords[i], kw) == 0)
			return true;
	return false;
}

START_TEST(test_derive_content)
{
	struct job *job = parse_or_die(backend_job);
	const struct rubric *r = job_rubric(job);
	const struct rubric_criterion *skills, *exp, *terms, *edu;

	ck_assert_uint_eq(r->ncriteria, 4);
	skills = &r->criteria[0];
	exp = &r->criteria[1];
	terms = &r->criteria[2];
	edu = &r->criteria[3];
	ck_assert_str_eq(skills->name, "Required skills");
	ck_assert_int_eq(skills->kind, RUBRIC_SKILLS);
	ck_assert_str_eq(skills->keywords[0], "Go"); /* explicit skills first */
	ck_assert(has_keyword(skills, "python"));
	ck_assert(has_keyword(skills, "kubernetes"));
	ck_assert(has_keyword(skills, "terraform"));
	ck_assert(has_keyword(skills, "PostgreSQL"));
	ck_assert(has_keyword(skills, "machine learning"));
	ck_assert(has_keyword(skills, "distributed systems"));
	/* Neither the company nor the title's words are skills. */
	ck_assert(!has_keyword(skills, "Initech"));
	ck_assert(!has_keyword(skills, "Senior"));
	ck_assert_str_eq(exp->name, "Relevant experience");
	ck_assert_int_eq(exp->kind, RUBRIC_EXPERIENCE);
	ck_assert_int_eq(exp->min_years, 5);
	ck_assert(has_keyword(exp, "backend"));
	ck_assert_str_eq(terms->name, "Domain and responsibilities");
	ck_assert(has_keyword(terms, "services"));
	ck_assert(!has_keyword(terms, "initech"));
	ck_assert(!has_keyword(terms, "experience"));
	ck_assert(!has_keyword(terms, "the"));
	ck_assert_str_eq(edu->name, "Education and certifications");
	ck_assert(has_keyword(edu, "CKA"));
	ck_assert(has_keyword(edu, "computer science"));
	ck_assert_uint_eq(strlen(r->version), RUBRIC_VERSION_LEN);
	job_free(job);
}
END_TEST

START_TEST(test_derive_stable_and_versioned)
{
	struct job *a = parse_or_die(backend_job), *b = parse_or_die(backend_job);
	char *ta = rubric_text(job_rubric(a)), *tb = rubric_text(job_rubric(b));
	struct rubric *copy;
	char err[256], *tc;
	cJSON *o;

	ck_assert_str_eq(ta, tb);
	/* Parsing the derived rubric back gives the same rubric and version. */
	o = cJSON_Parse(ta);
	copy = rubric_from_json(o, "rubric", err, sizeof(err));
	cJSON_Delete(o);
	ck_assert_ptr_nonnull(copy);
	tc = rubric_text(copy);
	ck_assert_str_eq(ta, tc);
	ck_assert_str_eq(copy->version, job_rubric(a)->version);
	/* Any change to the content makes a new version. */
	copy->criteria[0].weight = 41;
	rubric_update_version(copy);
	ck_assert_str_ne(copy->version, job_rubric(a)->version);
	rubric_free(copy);
	cJSON_free(ta);
	cJSON_free(tb);
	cJSON_free(tc);
	job_free(a);
	job_free(b);
}
END_TEST

START_TEST(test_given_rubric_versions)
{
	const char *j1 = "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"version\":\"mine\",\"criteria\":["
			 "{\"name\":\"Go\",\"weight\":2,\"keywords\":[\"go\",\"grpc\"]}]}}";
	const char *j2 = "{\"title\":\"T\",\"description\":\"d\",\"rubric\":{\"version\":\"mine\",\"criteria\":["
			 "{\"name\":\"Go\",\"weight\":2,\"keywords\":[\"go\",\"protobuf\"]}]}}";
	struct job *a = parse_or_die(j1), *b = parse_or_die(j2), *c = parse_or_die(j1);

	ck_assert_ptr_eq(job_rubric(a), a->rubric);
	ck_assert_str_ne(a->rubric->version, "mine");
	ck_assert_str_ne(a->rubric->version, b->rubric->version);
	ck_assert_str_eq(a->rubric->version, c->rubric->version);
	ck_assert_int_eq(rubric_find(a->rubric, "go"), 0);
	ck_assert_int_eq(rubric_find(a->rubric, "python"), -1);
	ck_assert_int_eq(a->rubric->criteria[0].kind, RUBRIC_TERMS);
	job_free(a);
	job_free(b);
	job_free(c);
}
END_TEST

START_TEST(test_termweights)
{
	ck_assert_double_eq(termweights_word("Kubernetes", 10), TERMWEIGHTS_SPECIFIC);
	ck_assert_double_eq(termweights_word("javascript", 10), TERMWEIGHTS_SPECIFIC);
	ck_assert_double_eq(termweights_word("improve", 7), TERMWEIGHTS_TOP);
	ck_assert_double_eq(termweights_word("Improving", 9), TERMWEIGHTS_TOP);
	ck_assert_double_eq(termweights_word("missions", 8), TERMWEIGHTS_COMMON);
	ck_assert_double_eq(termweights_word("Teams", 5), TERMWEIGHTS_JOB_AD);
	ck_assert_double_eq(termweights_word("experienced", 11), TERMWEIGHTS_JOB_AD);
	ck_assert_double_eq(termweights_word("the", 3), 0);
	ck_assert_double_eq(termweights_word("", 0), 0);
	/* A phrase of common words says more than each word, never more than a specific word. */
	ck_assert_double_eq_tol(termweights_phrase("project management", 18), 1 - 0.65 * 0.65, 1e-9);
	ck_assert_double_eq_tol(termweights_phrase("the Kubernetes", 14), 1.0, 1e-9);
	ck_assert_double_eq(termweights_phrase("of the", 6), 0);
	ck_assert_double_eq(termweights_phrase("", 0), 0);
}
END_TEST

/* A senior title: its seniority word is judged by years, which then weigh more; asides give no terms. */
START_TEST(test_derive_senior_and_asides)
{
	static const char json[] =
		"{\"title\":\"Senior Animation Designer\",\"description\":\"Responsibilities\\nCreate storyboards and "
		"animatics for clients. Review storyboards with clients and give feedback on "
		"animatics.\\n\\nBenefits\\n"
		"Dental insurance and dental care. Dental plans.\\n\\nHow to Apply\\nSend a portfolio to the portfolio "
		"inbox.\"}";
	static const char plain[] = "{\"title\":\"Animation Designer\",\"description\":\"Create storyboards.\"}";
	struct job *job = NULL, *other = NULL;
	const struct rubric *r, *ro;
	long e, t, eo;
	char err[256];

	ck_assert_msg(job_parse(json, strlen(json), &job, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(job_parse(plain, strlen(plain), &other, err, sizeof(err)) == 0, "%s", err);
	r = job_rubric(job);
	ro = job_rubric(other);
	e = rubric_find(r, "Relevant experience");
	t = rubric_find(r, "Domain and responsibilities");
	eo = rubric_find(ro, "Relevant experience");
	ck_assert(e >= 0 && t >= 0 && eo >= 0);
	ck_assert_int_eq(r->criteria[e].min_years, 5);
	ck_assert(!has_keyword(&r->criteria[e], "senior"));
	ck_assert(has_keyword(&r->criteria[e], "animation"));
	ck_assert_double_eq(r->criteria[e].weight, 40);
	ck_assert_double_eq(ro->criteria[eo].weight, 25);
	ck_assert(has_keyword(&r->criteria[t], "clients"));
	ck_assert(has_keyword(&r->criteria[t], "animatics"));
	ck_assert(!has_keyword(&r->criteria[t], "dental"));
	ck_assert(!has_keyword(&r->criteria[t], "portfolio"));
	/* Few terms are weak evidence: the criterion weighs less than the full 25. */
	ck_assert(r->criteria[t].weight < 25);
	job_free(job);
	job_free(other);
}
END_TEST

/* Jobs of several trades (hospitality, healthcare, finance, trades, teaching, logistics, sales, software). */
static const char *const trade_jobs[] = {
	"{\"title\": \"Electrician\", \"description\": \"Install and maintain electrical systems in"
	" commercial buildings: wiring, lighting, distribution boards and fire alarm systems. Read "
	"drawings, test and inspect installations to BS 7671 (18th Edition), fault-find and keep th"
	"e site safe. You hold an NVQ Level 3 in Electrical Installation, an ECS gold card and a fu"
	"ll driving licence. Experience with PAT testing or EV charger installation is a bonus.\"}",
	"{\"title\": \"Financial Analyst\", \"description\": \"You will build the monthly forecast,"
	" analyse variances against budget and present findings to department heads. You will write"
	" clear reports, keep the general ledger reconciliations up to date and support the year-en"
	"d audit. Advanced Excel (pivot tables, Power Query), SQL and experience with NetSuite or S"
	"AP are required; CFA Level 1 or ACCA part-qualified is a plus. Three years in FP&A or audi"
	"t.\"}",
	"{\"title\": \"Front of House Supervisor\", \"description\": \"We are a busy 120-cover rest"
	"aurant. As Front of House Supervisor you will lead a team of six servers, keep service run"
	"ning smoothly and bring warmth to every guest. You will handle reservations in OpenTable, "
	"cash up the POS at close, train new starters on food safety and allergen procedures, and d"
	"eal with complaints calmly. You have two years of supervisory experience in hospitality, a"
	" Level 2 Food Hygiene certificate, and a clear, friendly manner. Wine knowledge or barista"
	" skills are a plus. Evenings and weekends.\"}",
	"{\"title\": \"Warehouse Team Leader\", \"description\": \"Lead a shift of 15 pickers and p"
	"ackers. Plan daily labour, hit pick rates, run cycle counts in the WMS (Manhattan or SAP E"
	"WM) and keep the warehouse safe. You hold a counterbalance forklift licence, have two year"
	"s leading teams in logistics, and know lean and 5S. Experience with goods-in, dispatch and"
	" carrier booking is a plus. Four on, four off.\"}",
	"{\"title\": \"Registered Nurse\", \"description\": \"Join our surgical ward. You will asse"
	"ss patients, administer medication, monitor vital signs and keep accurate care records in "
	"Epic. You will work with doctors and physiotherapists to plan discharge, and educate patie"
	"nts and families. You hold a current RN licence, BLS and ACLS certification, and have at l"
	"east one year of acute care experience. Wound care or IV therapy experience is desirable. "
	"Rotating shifts, including nights.\"}",
	"{\"title\": \"Account Executive\", \"description\": \"Own a territory of mid-market accoun"
	"ts. Prospect, run discovery calls and demos, negotiate and close new business against a qu"
	"arterly quota. Keep Salesforce up to date and forecast accurately. You have three years of"
	" B2B SaaS sales experience, know MEDDIC or Challenger selling, and write clear proposals. "
	"Experience selling to finance teams is a plus.\"}",
	"{\"title\": \"Primary School Teacher\", \"description\": \"Teach a Year 4 class of 28 pupi"
	"ls across the national curriculum. Plan lessons, assess progress, differentiate for pupils"
	" with SEND and keep parents informed. You have QTS, experience of phonics teaching and beh"
	"aviour management, and a commitment to safeguarding. Forest School or music teaching exper"
	"ience would be welcome.\"}",
	"{\"title\": \"Senior Backend Engineer\", \"description\": \"Northwind Analytics builds the"
	" data platform behind retail forecasting. As a Senior Backend Engineer you will design and"
	" run the services that ingest and serve billions of events a day. You will work in Go and "
	"C on Linux, own PostgreSQL schemas and query performance, run services on Kubernetes, and "
	"take part in an on-call rotation. You have 5+ years of professional backend experience, yo"
	"u write clear design documents, and you mentor other engineers. Experience with Kafka, Ter"
	"raform and observability (Prometheus, OpenTelemetry) is a plus.\"}",
};

/* No derived criterion of any trade holds a filler word: number words, generic verbs and adjectives of ads. */
START_TEST(test_derive_no_filler_words)
{
	static const char *const seen_before[] = { "six",      "two",	    "three",	 "four",   "bring",  "keep",
						   "write",    "clear",	    "deal",	 "full",   "calmly", "manner",
						   "friendly", "desirable", "qualified", "welcome" };
	struct job *job = parse_or_die(trade_jobs[_i]);
	const struct rubric *r = job_rubric(job);
	size_t c, k, s;

	for (c = 0; c < r->ncriteria; c++)
		for (k = 0; k < r->criteria[c].nkeywords; k++) {
			const char *kw = r->criteria[c].keywords[k];

			ck_assert_msg(!rubric_filler_word(textnorm_word_key(kw, strlen(kw))), "job %d: '%s' in %s", _i,
				      kw, r->criteria[c].name);
			for (s = 0; s < sizeof(seen_before) / sizeof(seen_before[0]); s++)
				ck_assert_msg(strcasecmp(kw, seen_before[s]) != 0, "job %d: '%s' in %s", _i, kw,
					      r->criteria[c].name);
		}
	job_free(job);
}
END_TEST

/* The list holds what it says and none of the trades' own words. */
START_TEST(test_filler_list)
{
	static const char *const filler[] = { "six", "bring", "keep", "write", "clear", "Twelve", "calmly" };
	static const char *const work[] = { "wire",   "audit",	"nurse",    "forklift", "barista", "python",
					    "ledger", "lesson", "dispatch", "allergen", "quota" };
	size_t i;

	for (i = 0; i < sizeof(filler) / sizeof(filler[0]); i++)
		ck_assert_msg(rubric_filler_word(textnorm_word_key(filler[i], strlen(filler[i]))), "%s", filler[i]);
	for (i = 0; i < sizeof(work) / sizeof(work[0]); i++)
		ck_assert_msg(!rubric_filler_word(textnorm_word_key(work[i], strlen(work[i]))), "%s", work[i]);
}
END_TEST

START_TEST(test_derive_minimal_job)
{
	struct job *job = parse_or_die("{\"title\":\"Clerk\",\"description\":\"x\"}");
	const struct rubric *r = job_rubric(job);

	/* Only the experience criterion has something to go on. */
	ck_assert_uint_eq(r->ncriteria, 1);
	ck_assert_str_eq(r->criteria[0].name, "Relevant experience");
	ck_assert_int_eq(r->criteria[0].min_years, 0);
	ck_assert_ptr_eq(job_rubric(job), r);
	job_free(job);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rubric");
	TCase *tj = tcase_create("job");
	TCase *tr = tcase_create("rubric");
	int failed;

	tcase_add_loop_test(tj, test_job_validation, 0, sizeof(job_cases) / sizeof(job_cases[0]));
	tcase_add_test(tj, test_job_bounds);
	tcase_add_test(tj, test_job_defaults_and_round_trip);
	tcase_add_test(tr, test_derive_content);
	tcase_add_test(tr, test_derive_stable_and_versioned);
	tcase_add_test(tr, test_given_rubric_versions);
	tcase_add_test(tr, test_derive_minimal_job);
	tcase_add_loop_test(tr, test_derive_no_filler_words, 0, (int)(sizeof(trade_jobs) / sizeof(trade_jobs[0])));
	tcase_add_test(tr, test_filler_list);
	tcase_add_test(tr, test_termweights);
	tcase_add_test(tr, test_derive_senior_and_asides);
	suite_add_tcase(s, tj);
	suite_add_tcase(s, tr);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
