/* rubric_derive: the local derivation of a rubric from a job's title, description and required skills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/util.h"
#include "score/job.h"
#include "score/rubric.h"
#include "score/rubric_filler.h"
#include "score/rubric_sections.h"
#include "text/experience.h"
#include "text/termweights.h"
#include "text/textnorm.h"

#define DERIVED_SKILLS_MAX 40
#define DERIVED_TERMS_MAX 20
#define DERIVED_TITLE_WORDS_MAX 8
#define HEADER_WORDS_MAX 48
#define HEADER_LINES 3
/* Weight of the nice-to-have criterion, against 40 for the required skills. */
#define NICE_WEIGHT 5

/*
 * Skills and technologies recognised in descriptions even when written in
 * lower case. Capitalised product names (Kafka, PostgreSQL) are also found
 * by their shape; this list covers common skills that have no such shape.
 */
static const char *const skill_vocabulary[] = {
	"machine learning",
	"deep learning",
	"data science",
	"data analysis",
	"data analytics",
	"data visualization",
	"data modeling",
	"data pipelines",
	"data engineering",
	"data warehousing",
	"etl",
	"statistics",
	"statistical analysis",
	"natural language processing",
	"computer vision",
	"reinforcement learning",
	"model training",
	"model deployment",
	"feature engineering",
	"a/b testing",
	"big data",
	"distributed systems",
	"microservices",
	"rest apis",
	"restful apis",
	"graphql",
	"grpc",
	"web services",
	"api design",
	"unit testing",
	"integration testing",
	"test automation",
	"continuous integration",
	"continuous delivery",
	"ci/cd",
	"devops",
	"infrastructure as code",
	"cloud computing",
	"containerization",
	"orchestration",
	"version control",
	"git",
	"linux",
	"unix",
	"bash",
	"shell scripting",
	"networking",
	"security",
	"cybersecurity",
	"penetration testing",
	"object-oriented programming",
	"functional programming",
	"algorithms",
	"data structures",
	"system design",
	"software architecture",
	"responsive design",
	"accessibility",
	"web performance",
	"cross-browser",
	"front-end",
	"back-end",
	"full-stack",
	"mobile development",
	"html",
	"css",
	"sass",
	"javascript",
	"typescript",
	"python",
	"java",
	"golang",
	"rust",
	"ruby",
	"php",
	"scala",
	"kotlin",
	"swift",
	"c++",
	"c#",
	"sql",
	"nosql",
	"pandas",
	"numpy",
	"scikit-learn",
	"tensorflow",
	"pytorch",
	"keras",
	"spark",
	"hadoop",
	"airflow",
	"tableau",
	"power bi",
	"excel",
	"looker",
	"dashboards",
	"reporting",
	"forecasting",
	"agile",
	"scrum",
	"kanban",
	"lean",
	"product management",
	"product strategy",
	"roadmapping",
	"roadmaps",
	"user research",
	"user testing",
	"usability testing",
	"ux design",
	"ui design",
	"user experience",
	"interaction design",
	"service design",
	"prototyping",
	"wireframing",
	"design systems",
	"visual design",
	"graphic design",
	"motion graphics",
	"animation",
	"3d modeling",
	"illustration",
	"typography",
	"branding",
	"video editing",
	"storyboarding",
	"stakeholder management",
	"project management",
	"program management",
	"people management",
	"mentoring",
	"coaching",
	"leadership",
	"communication",
	"negotiation",
	"budgeting",
	"financial analysis",
	"financial modeling",
	"accounting",
	"bookkeeping",
	"auditing",
	"compliance",
	"risk management",
	"business analysis",
	"requirements gathering",
	"process improvement",
	"customer service",
	"sales",
	"account management",
	"business development",
	"lead generation",
	"seo",
	"sem",
	"content marketing",
	"email marketing",
	"social media",
	"digital marketing",
	"marketing campaigns",
	"copywriting",
	"market research",
	"public relations",
	"event planning",
	"recruiting",
	"onboarding",
	"payroll",
	"patient care",
	"nursing",
	"medication administration",
	"electronic health records",
	"triage",
	"cpr",
	"bls",
	"acls",
	"teaching",
	"curriculum development",
	"research",
	"technical writing",
	"documentation",
	"on-call",
	"incident response",
	"observability",
	"monitoring",
	"performance tuning",
	"query optimization",
	"caching",
	"load balancing",
	"event-driven",
	"message queues",
	"asynchronous programming",
	"concurrency",
	/* Hospitality */
	"food safety",
	"food hygiene",
	"haccp",
	"stock control",
	"cash handling",
	"staff scheduling",
	"rota planning",
	"menu planning",
	"front of house",
	"back of house",
	"food preparation",
	"knife skills",
	"table service",
	"bar service",
	"wine service",
	"guest relations",
	"housekeeping",
	"pos systems",
	/* Healthcare */
	"patient assessment",
	"wound care",
	"iv therapy",
	"infection control",
	"care planning",
	"phlebotomy",
	"vital signs",
	"safeguarding",
	"manual handling",
	"personal care",
	"dementia care",
	"first aid",
	/* Finance */
	"financial reporting",
	"variance analysis",
	"financial modelling",
	"management accounts",
	"reconciliations",
	"accounts payable",
	"accounts receivable",
	"month-end close",
	"audit",
	"tax returns",
	"credit control",
	"ifrs",
	"gaap",
	/* Trades */
	"electrical installation",
	"fault finding",
	"inspection and testing",
	"wiring regulations",
	"pat testing",
	"rewiring",
	"plumbing",
	"pipefitting",
	"welding",
	"carpentry",
	"joinery",
	"bricklaying",
	"plastering",
	"hvac",
	"preventive maintenance",
	"technical drawings",
	"risk assessments",
	"method statements",
	"health and safety",
	/* Teaching */
	"lesson planning",
	"classroom management",
	"behaviour management",
	"differentiation",
	"formative assessment",
	"special educational needs",
	"pastoral care",
	"tutoring",
	/* Logistics */
	"warehouse management system",
	"inventory control",
	"order picking",
	"dispatch planning",
	"route planning",
	"forklift",
	"goods in",
	"stock rotation",
	"shift supervision",
	"supply chain",
	"procurement",
	"fleet management",
	/* Sales */
	"b2b sales",
	"prospecting",
	"cold calling",
	"pipeline management",
	"crm",
	"salesforce",
	"account planning",
	"upselling",
	"key account management",
	"territory management",
	"retail sales",
	"visual merchandising",
};

/* Words common in job descriptions that say nothing about the job itself. */
static const char *const boilerplate[] = {
	"ability",
	"able",
	"about",
	"apply",
	"candidate",
	"company",
	"demonstrate",
	"desire",
	"environment",
	"excellent",
	"expect",
	"experience",
	"familiarity",
	"familiar",
	"good",
	"great",
	"help",
	"ideal",
	"include",
	"join",
	"knowledge",
	"like",
	"looking",
	"make",
	"need",
	"new",
	"opportunity",
	"part",
	"plus",
	"position",
	"preferred",
	"proficiency",
	"proficient",
	"qualification",
	"require",
	"requirement",
	"responsibility",
	"responsible",
	"role",
	"seek",
	"skill",
	"strong",
	"successful",
	"team",
	"understand",
	"understanding",
	"use",
	"using",
	"want",
	"well",
	"work",
	"working",
	"year",
	"years",
	"yrs",
	"able",
	"across",
	"based",
	"within",
	"day",
	"deep",
	"high",
	"key",
	"including",
	"ensure",
	"related",
	"relevant",
	"various",
	"wide",
	"range",
	"etc",
	"e.g",
	"i.e",
	"equal",
	"employer",
	"benefits",
	"salary",
	"apply",
	"application",
	"please",
	"must",
	"level",
	"take",
	"expected",
	"grasp",
	"sound",
	"solid",
	"proven",
	"track",
	"record",
	"hands",
	"minimum",
	"least",
	"professional",
	"build",
	"building",
	"develop",
	"developing",
	"design",
	"designing",
	"manage",
	"managing",
	"create",
	"support",
	"provide",
	"drive",
	"own",
	"ownership",
	"lead",
	"leading",
	"person",
	"people",
	"someone",
	"addition",
	"meet",
	"making",
	"necessary",
	"member",
	"members",
	"conduct",
	"effectively",
	"regular",
	"document",
	"purpose",
	"outline",
	"core",
	"includes",
	"such",
	"different",
	"other",
	"others",
	"all",
	"get",
	"set",
	"way",
	"ways",
	"thing",
	"things",
	"time",
	"times",
	"also",
	"eager",
	"passionate",
	"bonus",
	"hiring",
	"hire",
	"job",
	"description",
	"summary",
	"overview",
};

/* Acronyms that look like technologies but are not. */
static const char *const non_skills[] = {
	"us",
	"uk",
	"usa",
	"eu",
	"cv",
	"ceo",
	"cto",
	"cfo",
	"coo",
	"hr",
	"ok",
	"faq",
	"pdf",
	"eeo",
	"gsa",
	"tts",
	"ii",
	"iii",
	"iv",
	"inc",
	"llc",
	"ltd",
	"nyc",
	"sf",
	"dc",
	"est",
	"pst",
	"id",
	"tbd",
	"asap",
	"ie",
	"eg",
	"am",
	"pm",
	"gmt",
	"utc",
	"ny",
	"ca",
	"tx",
	"wa",
	"ma",
	"our",
	"we",
	"you",
	"the",
	"an",
	"a",
	"i",
	/* Places are where the job is, not what it takes. */
	"europe",
	"asia",
	"africa",
	"america",
	"ireland",
	"scotland",
	"wales",
	"england",
	"london",
};

static bool in_stem_list(const char *const *list, size_t n, uint64_t key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (textnorm_word_key(list[i], strlen(list[i])) == key)
			return true;
	return false;
}

static bool is_boilerplate(uint64_t key)
{
	return in_stem_list(boilerplate, ARRAY_SIZE(boilerplate), key);
}

static bool has_digit(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] >= '0' && w[i] <= '9')
			return true;
	return false;
}

static bool is_number(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] < '0' || w[i] > '9')
			return false;
	return true;
}

/* A growing list of keyword strings, deduplicated by the key of their token sequence. */
struct kwlist {
	char **v;
	size_t n, cap;
	uint64_t *keys;
	size_t *pos; /* position for ordering; SIZE_MAX for explicit entries */
};

static uint64_t phrase_key(const char *s, size_t len)
{
	size_t pos = 0, start, end;
	uint64_t h = 1469598103934665603ULL;
	bool brk;

	while (textnorm_next_word(s, len, &pos, &start, &end, &brk)) {
		h ^= textnorm_word_key(s + start, end - start);
		h *= 1099511628211ULL;
	}
	return h;
}

static bool kwlist_has(const struct kwlist *l, uint64_t key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->keys[i] == key)
			return true;
	return false;
}

/* Adds a copy of s[0..len) with white space runs collapsed; returns false when already present or empty. */
static bool kwlist_add(struct kwlist *l, const char *s, size_t len, size_t pos)
{
	uint64_t key = phrase_key(s, len);
	char *copy;
	size_t i, o = 0;

	if (len == 0 || len > RUBRIC_KEYWORD_LEN_MAX || kwlist_has(l, key) || l->n >= RUBRIC_KEYWORDS_MAX)
		return false;
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\n' || c == '\t' || c == '\r')
			c = ' ';
		if (c == ' ' && (o == 0 || copy[o - 1] == ' '))
			continue;
		copy[o++] = c;
	}
	while (o && copy[o - 1] == ' ')
		o--;
	copy[o] = '\0';
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		l->keys = xrealloc(l->keys, l->cap * sizeof(*l->keys));
		l->pos = xrealloc(l->pos, l->cap * sizeof(*l->pos));
	}
	l->v[l->n] = copy;
	l->keys[l->n] = key;
	l->pos[l->n] = pos;
	l->n++;
	return true;
}

static void kwlist_release(struct kwlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->keys);
	free(l->pos);
	memset(l, 0, sizeof(*l));
}

/* Stable sort of the entries from index first on by position (insertion sort: lists are short). */
static void kwlist_sort_from(struct kwlist *l, size_t first)
{
	size_t i, j;

	for (i = first + 1; i < l->n; i++) {
		char *v = l->v[i];
		uint64_t k = l->keys[i];
		size_t p = l->pos[i];
		for (j = i; j > first && l->pos[j - 1] > p; j--) {
			l->v[j] = l->v[j - 1];
			l->keys[j] = l->keys[j - 1];
			l->pos[j] = l->pos[j - 1];
		}
		l->v[j] = v;
		l->keys[j] = k;
		l->pos[j] = p;
	}
}

/* Moves the list's strings into a criterion. */
static void kwlist_give(struct kwlist *l, struct rubric_criterion *c)
{
	c->keywords = l->v;
	c->nkeywords = l->n;
	l->v = NULL;
	l->n = 0;
	kwlist_release(l);
}

static bool tok_is_acronym(const char *w, size_t len)
{
	size_t i, upper = 0;

	if (len < 2 || len > 6)
		return false;
	for (i = 0; i < len; i++) {
		if (w[i] >= 'A' && w[i] <= 'Z')
			upper++;
		else if (!(w[i] >= '0' && w[i] <= '9'))
			return false;
	}
	return upper >= 2 || (upper == 1 && len == 2);
}

/* Mixed case after the first letter ("JavaScript", "iOS"), or "+", "#" or "." inside ("C++", "Node.js"). */
static bool tok_has_tech_shape(const char *w, size_t len)
{
	size_t i;
	bool lower_seen = false, upper_after = false, letter = false, mark = false;

	for (i = 0; i < len; i++)
		if ((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z'))
			letter = true;
	for (i = 0; i < len; i++) {
		if (w[i] == '+' || w[i] == '#' || (w[i] == '.' && i > 0 && i + 1 < len))
			mark = true;
		if (w[i] >= 'a' && w[i] <= 'z')
			lower_seen = true;
		else if (w[i] >= 'A' && w[i] <= 'Z' && i > 0)
			upper_after = true;
	}
	return letter && (mark || (lower_seen && upper_after));
}

static bool tok_is_capitalised(const char *w, size_t len)
{
	size_t i;

	if (len < 3 || !(w[0] >= 'A' && w[0] <= 'Z'))
		return false;
	for (i = 1; i < len; i++)
		if (!(w[i] >= 'a' && w[i] <= 'z'))
			return false;
	return true;
}

/* True when most words of the token's line are capitalised: a heading or a name, not a sentence. */
static bool tok_in_title_case_line(const struct textnorm_doc *d, size_t i)
{
	size_t a = i, b = i + 1, caps = 0, words = 0, k;

	while (a > 0 && !memchr(d->text + d->tok[a - 1].end, '\n', d->tok[a].start - d->tok[a - 1].end))
		a--;
	while (b < d->ntok && !memchr(d->text + d->tok[b - 1].end, '\n', d->tok[b].start - d->tok[b - 1].end))
		b++;
	for (k = a; k < b; k++) {
		const char *w = d->text + d->tok[k].start;
		size_t len = d->tok[k].end - d->tok[k].start;
		if (textnorm_is_stopword(w, len))
			continue;
		words++;
		if (w[0] >= 'A' && w[0] <= 'Z')
			caps++;
	}
	return words >= 2 && caps * 10 >= words * 6;
}

/* True when the token starts a line or a clause (so its capital letter says nothing). */
static bool tok_starts_clause(const struct textnorm_doc *d, size_t i)
{
	size_t k;

	if (i == 0)
		return true;
	/* Commas do not start a clause: "MySQL, Oracle, and MongoDB" is a list of names. */
	for (k = d->tok[i - 1].end; k < d->tok[i].start; k++) {
		unsigned char c = (unsigned char)d->text[k];
		if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '\n' || c == '-' || c == '#' ||
		    c == '*' || c == '(' || c == '|' || c >= 0x80)
			return true;
	}
	return false;
}

static bool key_in(const uint64_t *keys, size_t n, uint64_t key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i] == key)
			return true;
	return false;
}

static bool tok_is_plain_word(const struct textnorm_doc *d, size_t i)
{
	const char *w = d->text + d->tok[i].start;
	size_t len = d->tok[i].end - d->tok[i].start;

	return !textnorm_is_stopword(w, len) && !is_boilerplate(d->tok[i].key) && !is_number(w, len) &&
	       !rubric_filler_word(d->tok[i].key) && !in_stem_list(non_skills, ARRAY_SIZE(non_skills), d->tok[i].key);
}

/*
 * The words of the company name and of the description's first line
 * (usually the employer or the title): they name the organisation, not a
 * skill or a duty. Returns how many keys were written.
 */
static size_t header_words(const struct job *job, const struct textnorm_doc *d, uint64_t *keys)
{
	size_t i, n = 0, pos = 0, start, end, lines = 0;
	bool brk;

	while (n < HEADER_WORDS_MAX && textnorm_next_word(job->company, strlen(job->company), &pos, &start, &end, &brk))
		keys[n++] = textnorm_word_key(job->company + start, end - start);
	for (i = 0; i < d->ntok && n < HEADER_WORDS_MAX; i++) {
		if (i > 0 && memchr(d->text + d->tok[i - 1].end, '\n', d->tok[i].start - d->tok[i - 1].end) &&
		    ++lines == HEADER_LINES)
			break;
		/* The first line always; the next ones only when they read like a heading or an address. */
		if (lines == 0 || tok_in_title_case_line(d, i))
			keys[n++] = d->tok[i].key;
	}
	return n;
}

/* "example.com", "careers.acme.io": web addresses are not technologies. */
static bool tok_is_domain(const char *w, size_t len)
{
	static const char *const tlds[] = { ".com", ".org", ".net", ".io", ".co", ".uk", ".gov", ".edu", ".dev" };
	size_t k, n;

	for (k = 0; k < ARRAY_SIZE(tlds); k++) {
		n = strlen(tlds[k]);
		if (len > n && strncasecmp(w + len - n, tlds[k], n) == 0)
			return true;
	}
	return false;
}

/*
 * A bullet's single word that says nothing ("practices"): boilerplate or
 * filler. A word written with a capital ("Go", "SOLID") names something.
 */
static bool item_is_filler(const char *s)
{
	size_t len = strlen(s);
	uint64_t key;

	if (strchr(s, ' ') || (s[0] >= 'A' && s[0] <= 'Z'))
		return false;
	key = textnorm_word_key(s, len);
	return textnorm_is_stopword(s, len) || is_boilerplate(key) || rubric_filler_word(key) ||
	       in_stem_list(non_skills, ARRAY_SIZE(non_skills), key);
}

/*
 * Whether a one-word vocabulary entry matched only through the stemmer, by
 * a word much shorter than itself: "brands" is not "branding", "accounts"
 * not "accounting" ("dashboards" still finds "dashboards").
 */
static bool stem_only_match(const char *entry, size_t matched_len)
{
	size_t len = strlen(entry);

	return !strchr(entry, ' ') && matched_len + 1 < len;
}

/* "Key Stage 3", "Level 2", "Year 9": a capitalised word before a number names a grade, not a skill. */
static bool tok_before_number(const struct textnorm_doc *d, size_t i)
{
	return i + 1 < d->ntok && !d->tok[i + 1].brk &&
	       is_number(d->text + d->tok[i + 1].start, d->tok[i + 1].end - d->tok[i + 1].start);
}

/* Whether a newline lies between tokens i - 1 and i: a bullet's skill does not run into the next line's. */
static bool tok_after_newline(const struct textnorm_doc *d, size_t i)
{
	return i > 0 && memchr(d->text + d->tok[i - 1].end, '\n', d->tok[i].start - d->tok[i - 1].end) != NULL;
}

/* Skills: explicit ones first, then vocabulary and tech-shaped words from the description in text order. */
static void derive_skills(const struct job *job, const struct textnorm_doc *d, const struct rubric_sections *sec,
			  const uint64_t *title_keys, size_t ntitle, struct kwlist *out)
{
	size_t i, first, start, end;
	uint64_t header_keys[HEADER_WORDS_MAX];
	size_t nheader = header_words(job, d, header_keys);

	for (i = 0; i < job->nrequired_skills; i++)
		kwlist_add(out, job->required_skills[i], strlen(job->required_skills[i]), 0);
	for (i = 0; i < job->nknockouts; i++)
		if (job->knockouts[i].type == JOB_KNOCKOUT_SKILL)
			kwlist_add(out, job->knockouts[i].name, strlen(job->knockouts[i].name), 0);
	/* What the requirements' bullets name, in their order: the recruiter's own list. */
	for (i = 0; i < sec->nitems; i++)
		if (!sec->items[i].nice && !sec->items[i].degree && !item_is_filler(sec->items[i].text))
			kwlist_add(out, sec->items[i].text, strlen(sec->items[i].text), 0);
	first = out->n;
	/* Then skills found elsewhere, outside the nice-to-haves and the bullets already read. */
	for (i = 0; i < ARRAY_SIZE(skill_vocabulary); i++)
		if (textnorm_doc_find(d, skill_vocabulary[i], &start, &end) >= 0 &&
		    !rubric_sections_in_nice(sec, start) && !rubric_sections_in_item(sec, start) &&
		    !stem_only_match(skill_vocabulary[i], end - start))
			kwlist_add(out, skill_vocabulary[i], strlen(skill_vocabulary[i]), start + 1);
	for (i = 0; i < d->ntok; i++) {
		const char *w = d->text + d->tok[i].start;
		size_t len = d->tok[i].end - d->tok[i].start, j;
		bool shape;

		if (!tok_is_plain_word(d, i) || key_in(title_keys, ntitle, d->tok[i].key) || tok_is_domain(w, len) ||
		    rubric_sections_in_nice(sec, d->tok[i].start) || rubric_sections_in_item(sec, d->tok[i].start))
			continue;
		shape = tok_has_tech_shape(w, len) || tok_is_acronym(w, len);
		if (!shape &&
		    !(tok_is_capitalised(w, len) && !tok_starts_clause(d, i) && !tok_in_title_case_line(d, i) &&
		      !key_in(header_keys, nheader, d->tok[i].key) && !tok_before_number(d, i)))
			continue;
		/* Join up to three neighbouring capitalised or tech-shaped words ("Google Analytics"). */
		for (j = i + 1; j < d->ntok && j < i + 3 && !d->tok[j].brk && !tok_after_newline(d, j); j++) {
			const char *w2 = d->text + d->tok[j].start;
			size_t len2 = d->tok[j].end - d->tok[j].start;
			if (!tok_is_plain_word(d, j) || key_in(title_keys, ntitle, d->tok[j].key) ||
			    !(tok_is_capitalised(w2, len2) || tok_has_tech_shape(w2, len2) || tok_is_acronym(w2, len2)))
				break;
		}
		kwlist_add(out, w, d->tok[j - 1].end - d->tok[i].start, d->tok[i].start + 1);
		i = j - 1;
	}
	kwlist_sort_from(out, first);
	/* Lower-case copies so that keywords read the same whatever the description's capitals. */
	for (i = first; i < out->n; i++)
		if (!tok_has_tech_shape(out->v[i], strlen(out->v[i])) && !tok_is_acronym(out->v[i], strlen(out->v[i])))
			textnorm_lower(out->v[i]);
	while (out->n > first + DERIVED_SKILLS_MAX) {
		out->n--;
		free(out->v[out->n]);
	}
}

struct term {
	uint64_t key, key1, key2; /* key1, key2: a bigram's words */
	size_t start, end, first, count;
	bool bigram;
	double weight;
};

static int term_cmp(const void *a, const void *b)
{
	const struct term *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void term_add(struct term **terms, size_t *n, size_t *cap, const struct textnorm_doc *d, size_t idx, bool bigram)
{
	uint64_t key1 = d->tok[idx].key, key2 = bigram ? d->tok[idx + 1].key : 0;
	uint64_t key = bigram ? key1 * 31 + key2 : key1;
	size_t start = d->tok[idx].start, end = d->tok[idx + (bigram ? 1 : 0)].end;
	size_t i;

	for (i = 0; i < *n; i++) {
		if ((*terms)[i].key == key) {
			(*terms)[i].count++;
			return;
		}
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*terms = xrealloc(*terms, *cap * sizeof(**terms));
	}
	(*terms)[*n] = (struct term){ key, key1, key2, start, end, idx, 1, bigram, 0 };
	(*n)++;
}

/* Section headings, as their letters only, whose text is about the employer or the ad, not the job. */
static const char *const aside_headings[] = {
	"aboutthecompany",
	"aboutus",
	"benefits",
	"benefitsandperks",
	"compensation",
	"compensationandbenefits",
	"equalopportunity",
	"equalopportunityemployer",
	"howtoapply",
	"ourbenefits",
	"perks",
	"perksandbenefits",
	"salary",
	"salaryandbenefits",
	"whatweoffer",
	"whoweare",
	"whyjoinus",
};

/*
 * Marks the tokens of sections about the employer, pay, benefits or how to
 * apply: a heading line of at most four words named in aside_headings starts
 * such a section and the next heading-like line (at most four words, no full
 * stop) ends it.
 */
static void mark_asides(const struct textnorm_doc *d, bool *aside)
{
	size_t i = 0, j, k;
	bool in = false;

	while (i < d->ntok) {
		char letters[64];
		size_t n = 0, le;
		bool heading;

		for (j = i + 1;
		     j < d->ntok && !memchr(d->text + d->tok[j - 1].end, '\n', d->tok[j].start - d->tok[j - 1].end);
		     j++)
			;
		for (le = d->tok[j - 1].end; le < d->len && d->text[le] != '\n'; le++)
			;
		heading = j - i <= 4 && !memchr(d->text + d->tok[j - 1].end, '.', le - d->tok[j - 1].end);
		if (heading) {
			for (k = i; k < j; k++) {
				const char *w = d->text + d->tok[k].start;
				size_t len = d->tok[k].end - d->tok[k].start, c;
				for (c = 0; c < len && n < sizeof(letters) - 1; c++)
					if ((w[c] >= 'a' && w[c] <= 'z') || (w[c] >= 'A' && w[c] <= 'Z'))
						letters[n++] = (char)(w[c] | 0x20);
			}
			letters[n] = '\0';
			in = false;
			for (k = 0; k < ARRAY_SIZE(aside_headings); k++)
				if (strcmp(letters, aside_headings[k]) == 0)
					in = true;
		}
		for (k = i; k < j; k++)
			aside[k] = in;
		i = j;
	}
}

/*
 * Domain terms: frequent and early words and two-word phrases of the
 * description that are not skills, weighted by how specific they are
 * (termweights), outside the sections about the employer and benefits.
 */
static void derive_terms(const struct job *job, const struct textnorm_doc *d, const struct rubric_sections *sec,
			 const struct kwlist *skills, const uint64_t *title_keys, size_t ntitle, struct kwlist *out)
{
	struct term *terms = NULL;
	uint64_t header_keys[HEADER_WORDS_MAX];
	size_t n = 0, cap = 0, i, j, nheader = header_words(job, d, header_keys);
	bool *aside = xcalloc(d->ntok ? d->ntok : 1, sizeof(*aside));
	bool *covered = xcalloc(d->ntok ? d->ntok : 1, sizeof(*covered));
	char *surface;

	mark_asides(d, aside);
	/* Nice-to-haves are a criterion of their own, not the job's main work. */
	for (i = 0; i < d->ntok; i++)
		if (rubric_sections_in_nice(sec, d->tok[i].start))
			aside[i] = true;
	/* The words of a two-word skill ("front-end") are that skill, not terms of their own. */
	for (i = 0; i + 1 < d->ntok; i++)
		if (!d->tok[i + 1].brk &&
		    kwlist_has(skills, phrase_key(d->text + d->tok[i].start, d->tok[i + 1].end - d->tok[i].start)))
			covered[i] = covered[i + 1] = true;
	/* ... and so is the same skill written as one word ("backend" for "back-end"). */
	for (i = 0; i < d->ntok; i++)
		for (j = 0; j < skills->n && !covered[i]; j++)
			if (textnorm_compound_key(skills->v[j], strlen(skills->v[j])) == d->tok[i].key)
				covered[i] = true;
	for (i = 0; i < d->ntok; i++) {
		size_t len = d->tok[i].end - d->tok[i].start;
		bool ok = len >= 3 && !aside[i] && tok_is_plain_word(d, i) &&
			  !key_in(header_keys, nheader, d->tok[i].key);
		bool title = key_in(title_keys, ntitle, d->tok[i].key);

		if (!ok)
			continue;
		/* The title's words belong to the experience criterion; counting them here would count them twice. */
		if (!title && !covered[i] && !kwlist_has(skills, phrase_key(d->text + d->tok[i].start, len)))
			term_add(&terms, &n, &cap, d, i, false);
		if (i + 1 < d->ntok && !d->tok[i + 1].brk && d->tok[i + 1].end - d->tok[i + 1].start >= 3 &&
		    !aside[i + 1] && tok_is_plain_word(d, i + 1) && !key_in(header_keys, nheader, d->tok[i + 1].key) &&
		    !(title && key_in(title_keys, ntitle, d->tok[i + 1].key))) {
			size_t s = d->tok[i].start, e = d->tok[i + 1].end;
			if (!kwlist_has(skills, phrase_key(d->text + s, e - s)))
				term_add(&terms, &n, &cap, d, i, true);
		}
	}
	for (i = 0; i < n; i++) {
		double early = 1.0 - (double)terms[i].first / (double)(d->ntok ? d->ntok : 1);
		/* A two-word phrase is only a term when it recurs; then it outranks its words. */
		if (terms[i].bigram && terms[i].count < 2)
			terms[i].weight = 0;
		else
			terms[i].weight = (double)terms[i].count * (1.0 + 0.5 * early) * (terms[i].bigram ? 1.2 : 1.0) *
					  termweights_phrase(d->text + terms[i].start, terms[i].end - terms[i].start);
	}
	/* A word that mostly occurs inside a recurring phrase ("junior" in "junior designers") is that phrase. */
	for (i = 0; i < n; i++) {
		if (terms[i].bigram)
			continue;
		for (j = 0; j < n; j++)
			if (terms[j].bigram && terms[j].weight > 0 &&
			    (terms[j].key1 == terms[i].key || terms[j].key2 == terms[i].key) &&
			    4 * terms[j].count >= 3 * terms[i].count)
				terms[i].weight = 0;
	}
	if (n)
		qsort(terms, n, sizeof(*terms), term_cmp);
	for (i = 0; i < n && out->n < DERIVED_TERMS_MAX && terms[i].weight > 0; i++) {
		surface = xstrndup(d->text + terms[i].start, terms[i].end - terms[i].start);
		textnorm_lower(surface);
		kwlist_add(out, surface, strlen(surface), terms[i].first);
		free(surface);
	}
	free(terms);
	free(aside);
	free(covered);
}

static const char *const degree_words[] = {
	"degree",    "bachelor",      "bachelors", "master",	  "masters",  "phd",	 "ph.d",
	"doctorate", "mba",	      "diploma",   "bsc",	  "msc",      "b.s",	 "m.s",
	"b.a",	     "certification", "certified", "certificate", "licensed", "license", "licence",
};

/* Education: certification knock-outs, degree words and the field after "degree in". */
static void derive_education(const struct job *job, const struct textnorm_doc *d, const struct rubric_sections *sec,
			     struct kwlist *out)
{
	size_t i, j, k;

	for (i = 0; i < job->nknockouts; i++)
		if (job->knockouts[i].type == JOB_KNOCKOUT_CERTIFICATION)
			kwlist_add(out, job->knockouts[i].name, strlen(job->knockouts[i].name), 0);
	/* The licences and certificates the requirements name ("forklift licence", "qualified teacher status"). */
	for (i = 0; i < sec->nitems; i++)
		if ((sec->items[i].cert || sec->items[i].degree) && !sec->items[i].nice)
			kwlist_add(out, sec->items[i].text, strlen(sec->items[i].text), 0);
	for (i = 0; i < d->ntok; i++) {
		if (!in_stem_list(degree_words, ARRAY_SIZE(degree_words), d->tok[i].key))
			continue;
		for (j = i + 1; j < d->ntok && j < i + 4 && !d->tok[j].brk; j++) {
			const char *w = d->text + d->tok[j].start;
			if (d->tok[j].end - d->tok[j].start == 2 && strncasecmp(w, "in", 2) == 0)
				break;
		}
		if (j < d->ntok && j < i + 4 && !d->tok[j].brk && j + 1 < d->ntok && !d->tok[j + 1].brk) {
			/* Up to three words after "in": "Computer Science", "a related field" is skipped as boilerplate. */
			for (k = j + 1; k < d->ntok && k < j + 4 && !d->tok[k].brk && tok_is_plain_word(d, k); k++)
				;
			if (k > j + 1) {
				char *s = xstrndup(d->text + d->tok[j + 1].start,
						   d->tok[k - 1].end - d->tok[j + 1].start);
				textnorm_lower(s);
				kwlist_add(out, s, strlen(s), d->tok[i].start + 1);
				free(s);
			}
		}
		{
			char *s = xstrndup(d->text + d->tok[i].start, d->tok[i].end - d->tok[i].start);
			textnorm_lower(s);
			kwlist_add(out, s, strlen(s), d->tok[i].start + 1);
			free(s);
		}
	}
}

static void add_criterion(struct rubric *r, const char *name, const char *desc, double weight, enum rubric_kind kind,
			  int min_years, struct kwlist *kw)
{
	struct rubric_criterion *c = &r->criteria[r->ncriteria++];

	c->name = xstrdup(name);
	c->description = xstrdup(desc);
	c->weight = weight;
	c->kind = kind;
	c->min_years = min_years;
	kwlist_give(kw, c);
}

/* "first, second, third" of up to max keywords, for descriptions. */
static char *join_keywords(const struct kwlist *l, size_t max)
{
	struct buf b = BUF_INIT(RUBRIC_DESCRIPTION_MAX / 2);
	size_t i;

	for (i = 0; i < l->n && i < max; i++)
		if (buf_printf(&b, "%s%s", i ? ", " : "", l->v[i]) < 0)
			break;
	return buf_detach(&b, NULL);
}

static const struct {
	const char *word;
	int years;
} levels[] = { { "senior", 5 },	   { "sr", 5 },	  { "lead", 7 },     { "staff", 8 },
	       { "principal", 8 }, { "head", 8 }, { "director", 10 } };

/* Years the seniority word key implies ("Senior" 5, "Lead" 7, "Principal" 8), 0 when it is none. */
static int seniority_of(uint64_t key)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(levels); k++)
		if (key == textnorm_word_key(levels[k].word, strlen(levels[k].word)))
			return levels[k].years;
	return 0;
}

/* Years a title's seniority implies when the description states none. */
static int seniority_years(const struct textnorm_doc *title)
{
	size_t i;
	int years = 0;

	for (i = 0; i < title->ntok; i++)
		if (seniority_of(title->tok[i].key) > years)
			years = seniority_of(title->tok[i].key);
	return years;
}

struct rubric *rubric_derive(const struct job *job)
{
	struct rubric *r = xcalloc(1, sizeof(*r));
	struct textnorm_doc desc, title;
	struct kwlist skills = { 0 }, exp = { 0 }, terms = { 0 }, edu = { 0 }, nice = { 0 };
	struct rubric_sections sec = { 0 };
	uint64_t title_keys[DERIVED_TITLE_WORDS_MAX];
	size_t ntitle = 0, i;
	int years = experience_stated_years(job->description, strlen(job->description), NULL), senior;
	char text[RUBRIC_DESCRIPTION_MAX];
	char *list;

	for (i = 0; i < job->nknockouts; i++)
		if (job->knockouts[i].type == JOB_KNOCKOUT_MIN_YEARS && job->knockouts[i].years > years)
			years = job->knockouts[i].years;
	textnorm_doc_init(&desc, job->description, strlen(job->description));
	textnorm_doc_init(&title, job->title, strlen(job->title));
	senior = seniority_years(&title);
	if (years == 0)
		years = senior;
	for (i = 0; i < title.ntok && ntitle < DERIVED_TITLE_WORDS_MAX; i++) {
		const char *w = job->title + title.tok[i].start;
		size_t len = title.tok[i].end - title.tok[i].start;
		char *s;

		if (!tok_is_plain_word(&title, i) || len < 2 || has_digit(w, len))
			continue;
		/*
		 * A seniority word is judged by years, not looked for: people
		 * put the title they seek in their headline whatever their years.
		 */
		if (seniority_of(title.tok[i].key)) {
			title_keys[ntitle++] = title.tok[i].key;
			continue;
		}
		s = xstrndup(w, len);
		textnorm_lower(s);
		if (kwlist_add(&exp, s, len, i))
			title_keys[ntitle++] = title.tok[i].key;
		free(s);
	}

	rubric_sections_parse(job->description, strlen(job->description), &sec);
	derive_skills(job, &desc, &sec, title_keys, ntitle, &skills);
	derive_terms(job, &desc, &sec, &skills, title_keys, ntitle, &terms);
	derive_education(job, &desc, &sec, &edu);
	for (i = 0; i < sec.nitems; i++)
		if (sec.items[i].nice && !kwlist_has(&skills, phrase_key(sec.items[i].text, strlen(sec.items[i].text))))
			kwlist_add(&nice, sec.items[i].text, strlen(sec.items[i].text), i);
	r->criteria = xcalloc(5, sizeof(*r->criteria));

	if (skills.n) {
		list = join_keywords(&skills, 12);
		snprintf(text, sizeof(text), "Has the skills and technologies the job asks for: %s.", list);
		free(list);
		add_criterion(r, "Required skills", text, 40, RUBRIC_SKILLS, 0, &skills);
	}
	if (years > 0)
		snprintf(text, sizeof(text), "At least %d years of relevant experience, in roles like \"%s\".", years,
			 job->title);
	else
		snprintf(text, sizeof(text), "Relevant experience, in roles like \"%s\".", job->title);
	/* For a senior role years and track record weigh as much as the description's terms and more. */
	add_criterion(r, "Relevant experience", text, senior ? 40 : 25, RUBRIC_EXPERIENCE, years, &exp);
	if (terms.n) {
		list = join_keywords(&terms, 10);
		snprintf(text, sizeof(text), "Has done the job's main work and knows its domain: %s.", list);
		free(list);
		/* A short description yields few terms, and few terms are weak evidence: they weigh less. */
		add_criterion(r, "Domain and responsibilities", text, terms.n >= 10 ? 25 : 2.5 * (double)terms.n,
			      RUBRIC_TERMS, 0, &terms);
	}
	if (edu.n)
		add_criterion(r, "Education and certifications",
			      "Has the education and certifications the job asks for.", 10, RUBRIC_EDUCATION, 0, &edu);
	if (nice.n) {
		list = join_keywords(&nice, 10);
		snprintf(text, sizeof(text), "Has what the job lists as nice to have (not required): %s.", list);
		free(list);
		/* A bonus, not a requirement: it weighs little. */
		add_criterion(r, "Nice-to-have skills", text, NICE_WEIGHT, RUBRIC_TERMS, 0, &nice);
	}
	kwlist_release(&nice);
	rubric_sections_release(&sec);
	kwlist_release(&skills);
	kwlist_release(&exp);
	kwlist_release(&terms);
	kwlist_release(&edu);
	textnorm_doc_release(&desc);
	textnorm_doc_release(&title);
	rubric_update_version(r);
	return r;
}
