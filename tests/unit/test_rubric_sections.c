/* Unit tests for rubric_sections and the local rubric it feeds: requirement bullets, alternatives, nice-to-haves, trades beyond software. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "score/job.h"
#include "score/rubric.h"
#include "score/rubric_sections.h"
#include "suite.h"
#include "text/textnorm.h"

/* The items of text joined as "R:text|N:text|..." (R required, N nice), written to out. */
static void items_of(const char *text, char *out, size_t outlen)
{
	struct rubric_sections s = { 0 };
	size_t i, o = 0;
	int n;

	out[0] = '\0';
	rubric_sections_parse(text, strlen(text), &s);
	for (i = 0; i < s.nitems; i++) {
		n = snprintf(out + o, outlen - o, "%s%s:%s", i ? "|" : "", s.items[i].nice ? "N" : "R",
			     s.items[i].text);
		ck_assert(n > 0 && (size_t)n < outlen - o);
		o += (size_t)n;
	}
	rubric_sections_release(&s);
}

static const struct {
	const char *text, *want;
} cases[] = {
	/* Bullets of a requirements section, lead-ins and years left out; nice-to-haves apart. */
	{ "About the role\nWe fit out homes.\n\nRequirements\n- 3+ years of experience as an Electrician\n- Electrical "
	  "installation\n- Fault finding\n- Inspection and testing\n- PAT testing\n\nNice to have\n- EV charger "
	  "installation\n- Solar PV\n",
	  "R:electrical installation|R:fault finding|R:inspection and testing|R:PAT testing|N:EV charger "
	  "installation|N:solar PV" },
	/* "X or Y" stays one keyword of alternatives; a list ending in "or" too. */
	{ "Requirements:\n* A valid forklift licence or reach truck licence\n* Experience with Tableau, Power BI or "
	  "Looker\n",
	  "R:forklift licence or reach truck licence|R:Tableau or power BI or Looker" },
	/* A comma list gives one skill an item; two named tools joined by "and" are two. */
	{ "What you'll need\n- Python, SQL and Pandas\n- Excel and Word\n- Health and safety\n",
	  "R:Python|R:SQL|R:Pandas|R:Excel|R:Word|R:health and safety" },
	/* Explanations, qualifiers and examples: the skills are kept, the rest dropped. */
	{ "Essential\n- Food hygiene certificate (Level 2)\n- BLS required\n- Good practices such as TDD, CI/CD and "
	  "DevOps\n- Strong communication skills\n",
	  "R:food hygiene certificate|R:BLS|R:TDD|R:CI/CD|R:DevOps|R:communication" },
	/* Abilities, conditions and sentences give no skill; a heading of another kind ends the section. */
	{ "Requirements\n- Ability to lift 25 kg\n- Must be eligible to work in the UK\n- You will be the person "
	  "everyone "
	  "in the kitchen relies on when it is busy\n\nResponsibilities\n- Cooking\n",
	  "" },
	/* Markdown headings and marks; a continuation line of a wrapped bullet is no item. */
	{ "## Qualifications\n**Skill set:** Excel, SAP\n- Inventory control and stock\n  rotation, etc.)\n### Stage "
	  "two\n- "
	  "Interview\n",
	  "R:Excel|R:SAP|R:inventory control|R:stock" },
	/* A Desirable section and a plain short line under a heading. */
	{ "Desirable\nQualified teacher status\n\nEssential:\nSafeguarding\n",
	  "N:qualified teacher status|R:Safeguarding" },
	/* Prose: a list after a cue is required, a wish is nice to have; other sentences give nothing. */
	{ "We run a busy kitchen. You will have the chance to grow. The successful candidate will have knife skills, "
	  "food "
	  "safety and stock control. Experience with pastry or baking is a plus. Bonus points for HACCP.\n",
	  "R:knife skills|R:food safety|R:stock control|N:pastry or baking|N:HACCP" },
	{ "We ask for 3 years as a cook. You will need 3+ years on a grill, knife skills and food safety.\n",
	  "R:knife skills|R:food safety" },
	{ "", "" },
};

START_TEST(test_items)
{
	char got[2048];

	items_of(cases[_i].text, got, sizeof(got));
	ck_assert_msg(strcmp(got, cases[_i].want) == 0, "case %d:\n got  '%s'\n want '%s'", _i, got, cases[_i].want);
}
END_TEST

START_TEST(test_spans)
{
	static const char text[] = "Requirements\n- Forklift licence\n\nNice to have\n- Kafka\n\nBenefits\n- Pension\n";
	struct rubric_sections s = { 0 };
	const char *fork = strstr(text, "Forklift"), *kafka = strstr(text, "Kafka"), *pension = strstr(text, "Pension");

	rubric_sections_parse(text, strlen(text), &s);
	ck_assert(rubric_sections_in_item(&s, (size_t)(fork - text)));
	ck_assert(!rubric_sections_in_nice(&s, (size_t)(fork - text)));
	ck_assert(rubric_sections_in_nice(&s, (size_t)(kafka - text)));
	ck_assert(!rubric_sections_in_item(&s, (size_t)(kafka - text)));
	ck_assert(!rubric_sections_in_nice(&s, (size_t)(pension - text)));
	ck_assert(s.items[0].cert);
	ck_assert(!s.items[1].cert);
	rubric_sections_release(&s);
	/* A vocational level is a qualification: it goes to education as well. */
	rubric_sections_parse("Essential\n- Level 3 electrical installation\n- NVQ in catering\n", 62, &s);
	ck_assert_uint_eq(s.nitems, 2);
	ck_assert(s.items[0].cert && s.items[1].cert);
	rubric_sections_release(&s);
}
END_TEST

static struct job *parse_or_die(const char *json)
{
	struct job *job;
	char err[256];

	ck_assert_msg(job_parse(json, strlen(json), &job, err, sizeof(err)) == 0, "%s", err);
	return job;
}

static const struct rubric_criterion *criterion(const struct rubric *r, const char *name)
{
	long i = rubric_find(r, name);

	return i >= 0 ? &r->criteria[i] : NULL;
}

static bool has_keyword(const struct rubric_criterion *c, const char *kw)
{
	size_t i;

	for (i = 0; c && i < c->nkeywords; i++)
		if (strcmp(c->keywords[i], kw) == 0)
			return true;
	return false;
}

/* A warehouse job: its required skills are the bullets, the nice-to-haves a light criterion of their own. */
START_TEST(test_derive_warehouse)
{
	static const char json[] =
		"{\"title\":\"Warehouse Operations Supervisor\",\"description\":\"Warehouse Operations Supervisor\\n"
		"Pennine Freight \\u00b7 Leicester \\u00b7 Full time\\n\\nAbout the role\\nWe run a distribution "
		"centre.\\n\\n"
		"Requirements\\n- 3+ years of experience as a Shift Supervisor\\n- Warehouse management system\\n- "
		"Inventory "
		"control\\n- Forklift licence or reach truck licence\\n- Health and safety\\n\\nNice to have\\n- "
		"SAP\\n- "
		"Lean\\n\"}";
	struct job *job = parse_or_die(json);
	const struct rubric *r = job_rubric(job);
	const struct rubric_criterion *skills = criterion(r, "Required skills"),
				      *nice = criterion(r, "Nice-to-have skills"),
				      *edu = criterion(r, "Education and certifications");

	ck_assert_ptr_nonnull(skills);
	ck_assert_ptr_nonnull(nice);
	ck_assert(has_keyword(skills, "warehouse management system"));
	ck_assert(has_keyword(skills, "inventory control"));
	ck_assert(has_keyword(skills, "forklift licence or reach truck licence"));
	ck_assert(has_keyword(skills, "health and safety"));
	ck_assert_msg(!has_keyword(skills, "SAP") && !has_keyword(skills, "lean"), "nice-to-haves taken as required");
	ck_assert(has_keyword(nice, "SAP"));
	ck_assert(nice->weight < skills->weight / 4);
	ck_assert(has_keyword(edu, "forklift licence or reach truck licence"));
	job_free(job);
}
END_TEST

/* A description with no sections or cues: the trades' vocabulary still finds its skills. */
START_TEST(test_derive_vocabulary)
{
	static const char json[] = "{\"title\":\"Head Chef\",\"description\":\"Our bistro needs a head chef who takes "
				   "care of menu planning, food hygiene and stock rotation. You will keep HACCP "
				   "records and train juniors in knife skills.\"}";
	struct job *job = parse_or_die(json);
	const struct rubric_criterion *skills = criterion(job_rubric(job), "Required skills");

	ck_assert_ptr_nonnull(skills);
	ck_assert(has_keyword(skills, "menu planning"));
	ck_assert(has_keyword(skills, "food hygiene"));
	ck_assert(has_keyword(skills, "stock rotation"));
	ck_assert(has_keyword(skills, "knife skills"));
	ck_assert(!has_keyword(skills, "bistro"));
	job_free(job);
}
END_TEST

/* Words that only look like skills: a stem's cousin, a grade before a number, two lines run together, a place. */
START_TEST(test_derive_no_false_skills)
{
	static const char json[] =
		"{\"title\":\"Supervisor\",\"description\":\"We serve grocery brands across Europe and teach Key Stage "
		"3 "
		"pupils.\\nWhat you will do\\n- Build reports in Python\\n- Present findings to the board\\n\"}";
	struct job *job = parse_or_die(json);
	const struct rubric_criterion *skills = criterion(job_rubric(job), "Required skills");
	size_t i;

	for (i = 0; skills && i < skills->nkeywords; i++) {
		const char *k = skills->keywords[i];
		ck_assert_msg(strcmp(k, "branding") != 0 && strcasecmp(k, "stage") != 0 &&
				      strcasecmp(k, "europe") != 0 && strstr(k, "Present") == NULL,
			      "'%s' is no skill of the job", k);
	}
	job_free(job);
}
END_TEST

/* A keyword of alternatives is found by any of them. */
START_TEST(test_alternatives_found)
{
	static const char text[] = "Drove a reach truck; hold a reach truck licence since 2019.";
	struct textnorm_doc d;
	size_t s = 0, e = 0;

	textnorm_doc_init(&d, text, strlen(text));
	ck_assert_int_ge(textnorm_doc_find(&d, "forklift licence or reach truck licence", &s, &e), 0);
	ck_assert(strncmp(text + s, "reach truck licence", e - s) == 0);
	ck_assert_int_lt(textnorm_doc_find(&d, "forklift licence or counterbalance", NULL, NULL), 0);
	textnorm_doc_release(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rubric_sections");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_items, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(tc, test_spans);
	tcase_add_test(tc, test_derive_warehouse);
	tcase_add_test(tc, test_derive_vocabulary);
	tcase_add_test(tc, test_derive_no_false_skills);
	tcase_add_test(tc, test_alternatives_found);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
