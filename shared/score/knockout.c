/* knockout: the job's hard requirements (minimum years, certifications, skills) checked against a resume. */
#include <stdio.h>

#include "base/util.h"
#include "score/knockout.h"

/* Common certifications under their abbreviation and long name: either form in a resume satisfies either in a rule. */
static const char *const cert_names[][2] = {
	{ "PMP", "Project Management Professional" },
	{ "CAPM", "Certified Associate in Project Management" },
	{ "CSM", "Certified ScrumMaster" },
	{ "PSM", "Professional Scrum Master" },
	{ "CISSP", "Certified Information Systems Security Professional" },
	{ "CISM", "Certified Information Security Manager" },
	{ "CISA", "Certified Information Systems Auditor" },
	{ "CEH", "Certified Ethical Hacker" },
	{ "OSCP", "Offensive Security Certified Professional" },
	{ "CKA", "Certified Kubernetes Administrator" },
	{ "CKAD", "Certified Kubernetes Application Developer" },
	{ "CCNA", "Cisco Certified Network Associate" },
	{ "CCNP", "Cisco Certified Network Professional" },
	{ "CPA", "Certified Public Accountant" },
	{ "CFA", "Chartered Financial Analyst" },
	{ "ACCA", "Association of Chartered Certified Accountants" },
	{ "CMA", "Certified Management Accountant" },
	{ "SHRM-CP", "SHRM Certified Professional" },
	{ "PHR", "Professional in Human Resources" },
	{ "RN", "Registered Nurse" },
	{ "LPN", "Licensed Practical Nurse" },
	{ "BLS", "Basic Life Support" },
	{ "ACLS", "Advanced Cardiovascular Life Support" },
	{ "PALS", "Pediatric Advanced Life Support" },
	{ "CPR", "Cardiopulmonary Resuscitation" },
	{ "PE", "Professional Engineer" },
	{ "CBAP", "Certified Business Analysis Professional" },
	{ "ITIL", "Information Technology Infrastructure Library" },
	{ "RHCE", "Red Hat Certified Engineer" },
	{ "CDL", "Commercial Driver's License" },
};

static size_t text_letters(const struct textnorm_doc *doc)
{
	size_t i, n = 0;

	for (i = 0; i < doc->ntok; i++)
		n += doc->tok[i].end - doc->tok[i].start;
	return n;
}

/* Finds name or, for a known certification, its other form. Returns the form found or NULL. */
static const char *find_certification(const struct textnorm_doc *doc, const char *name)
{
	size_t i;

	if (textnorm_doc_find(doc, name, NULL, NULL) >= 0)
		return name;
	for (i = 0; i < ARRAY_SIZE(cert_names); i++) {
		if (str_equal_nocase(name, cert_names[i][0]) &&
		    textnorm_doc_find(doc, cert_names[i][1], NULL, NULL) >= 0)
			return cert_names[i][1];
		if (str_equal_nocase(name, cert_names[i][1]) &&
		    textnorm_doc_find(doc, cert_names[i][0], NULL, NULL) >= 0)
			return cert_names[i][0];
	}
	return NULL;
}

enum analysis_result knockout_check(const struct job_knockout *k, const struct textnorm_doc *doc,
				    const struct experience *exp, char *rule, size_t rulelen, char *detail,
				    size_t detaillen)
{
	const char *found;

	switch (k->type) {
	case JOB_KNOCKOUT_MIN_YEARS:
		snprintf(rule, rulelen, "min_years %d", k->years);
		if (!exp || !exp->known) {
			snprintf(detail, detaillen, "no dates or stated years of experience found");
			return ANALYSIS_UNKNOWN;
		}
		if (exp->years + 1e-9 >= (double)k->years) {
			snprintf(detail, detaillen, "about %.1f years of experience found, %d required", exp->years,
				 k->years);
			return ANALYSIS_PASS;
		}
		snprintf(detail, detaillen, "about %.1f years of experience found, %d required", exp->years, k->years);
		return ANALYSIS_FAIL;
	case JOB_KNOCKOUT_CERTIFICATION:
		snprintf(rule, rulelen, "certification %s", k->name);
		if (text_letters(doc) < KNOCKOUT_MIN_TEXT) {
			snprintf(detail, detaillen, "too little resume text to check for %s", k->name);
			return ANALYSIS_UNKNOWN;
		}
		found = find_certification(doc, k->name);
		if (found) {
			snprintf(detail, detaillen, "mentions %s", found);
			return ANALYSIS_PASS;
		}
		snprintf(detail, detaillen, "no mention of %s", k->name);
		return ANALYSIS_FAIL;
	case JOB_KNOCKOUT_SKILL:
		snprintf(rule, rulelen, "skill %s", k->name);
		if (text_letters(doc) < KNOCKOUT_MIN_TEXT) {
			snprintf(detail, detaillen, "too little resume text to check for %s", k->name);
			return ANALYSIS_UNKNOWN;
		}
		if (textnorm_doc_find(doc, k->name, NULL, NULL) >= 0) {
			snprintf(detail, detaillen, "mentions %s", k->name);
			return ANALYSIS_PASS;
		}
		snprintf(detail, detaillen, "no mention of %s", k->name);
		return ANALYSIS_FAIL;
	}
	snprintf(rule, rulelen, "unknown rule");
	snprintf(detail, detaillen, "unknown rule type");
	return ANALYSIS_UNKNOWN;
}

size_t knockout_apply(const struct job *job, const struct textnorm_doc *doc, const struct experience *exp,
		      struct analysis *a)
{
	char rule[160], detail[256];
	size_t i, failed = 0;

	for (i = 0; i < job->nknockouts; i++) {
		enum analysis_result r =
			knockout_check(&job->knockouts[i], doc, exp, rule, sizeof(rule), detail, sizeof(detail));
		analysis_add_knockout(a, rule, r, detail);
		if (r == ANALYSIS_FAIL)
			failed++;
	}
	return failed;
}
