/* company: what a job says about the hiring company — name, position, department, location, key skills — extracted and cached. */
#include "mail/company.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/mime.h"
#include "score/job.h"
#include "score/jobstore.h"
#include "score/rubric.h"
#include "text/jdheader.h"

#define NAME_WORDS_MAX 5

/*
 * A single-line copy of s (len bytes): control characters become spaces,
 * runs of spaces collapse, ends trimmed of spaces and trailing . , ; :
 * and cut to max bytes on a character boundary. Invalid UTF-8 gives "".
 */
static char *clean_value(const char *s, size_t len, size_t max)
{
	struct buf b = BUF_INIT(0);
	size_t i;
	bool space = false;
	char *out;

	if (!s || !mime_utf8_valid(s, len))
		return xstrdup("");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_append_char(&b, ' ');
		space = false;
		buf_append_char(&b, (char)c);
	}
	while (b.len > 0 && strchr(".,;: ", b.ptr[b.len - 1]))
		b.len--;
	if (b.len > max) {
		b.len = max;
		while (b.len > 0 && ((unsigned char)b.ptr[b.len] & 0xC0) == 0x80)
			b.len--;
		while (b.len > 0 && b.ptr[b.len - 1] == ' ')
			b.len--;
	}
	if (!b.ptr)
		return xstrdup("");
	out = xstrndup(b.ptr, b.len);
	buf_release(&b);
	return out;
}

static bool is_upper_start(const char *w)
{
	unsigned char c = (unsigned char)*w;

	/* Non-ASCII first letters (Ü, É, CJK ...) count as capitalised. */
	return isupper(c) || isdigit(c) || c >= 0x80;
}

/* Skips list bullets, heading marks and emphasis at the start of a line. */
static const char *skip_marks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '#' || *p == '*' || *p == '-' || *p == '_' || *p == '>'))
		p++;
	return p;
}

/* The value of the first line "Label: value" for any of labels (case-insensitive), or NULL. */
static char *labelled(const char *text, const char *const *labels)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *p;
		size_t i;

		if (!end)
			end = line + strlen(line);
		p = skip_marks(line, end);
		for (i = 0; labels[i]; i++) {
			size_t n = strlen(labels[i]);
			const char *v;

			if ((size_t)(end - p) <= n || strncasecmp(p, labels[i], n) != 0)
				continue;
			v = p + n;
			while (v < end && (*v == '*' || *v == ' '))
				v++;
			if (v < end && *v == ':') {
				char *val;

				v++;
				while (v < end && (*v == '*' || *v == ' ' || *v == '\t'))
					v++;
				val = clean_value(v, (size_t)(end - v), COMPANY_FIELD_MAX);
				if (*val)
					return val;
				free(val);
			}
		}
		line = *end ? end + 1 : NULL;
	}
	return NULL;
}

static bool is_stopword(const char *w, size_t n)
{
	static const char *const words[] = { "we",   "our",  "the", "this", "it", "you",      "us",	"they",
					     "role", "team", "job", "a",    "an", "position", "company" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == n && strncasecmp(w, words[i], n) == 0)
			return true;
	return false;
}

/* "About Acme Corp" as a line of its own: the name after "About", when it looks like one. */
static char *about_heading(const char *text)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *p, *w;
		int words = 0;
		bool ok = true;

		if (!end)
			end = line + strlen(line);
		p = skip_marks(line, end);
		if (end - p > 6 && strncasecmp(p, "about ", 6) == 0) {
			p += 6;
			while (p < end && *p == ' ')
				p++;
			for (w = p; w < end && ok;) {
				const char *we = w;

				while (we < end && *we != ' ' && *we != '\r')
					we++;
				if (we > w) {
					if (!is_upper_start(w) || (words == 0 && is_stopword(w, (size_t)(we - w))))
						ok = false;
					words++;
				}
				w = we;
				while (w < end && (*w == ' ' || *w == '\r'))
					w++;
			}
			if (ok && words >= 1 && words <= NAME_WORDS_MAX)
				return clean_value(p, (size_t)(end - p), COMPANY_FIELD_MAX);
		}
		line = *end ? end + 1 : NULL;
	}
	return NULL;
}

/* "Acme Corp is hiring ..." / "is looking for" / "is seeking": the capitalised words before the phrase. */
static char *is_hiring(const char *text)
{
	static const char *const phrases[] = { " is hiring", " is looking for", " is seeking", " are hiring" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(phrases); i++) {
		const char *hit = text;

		while ((hit = strstr(hit, phrases[i])) != NULL) {
			const char *start = hit, *p = hit;
			int words = 0;

			/* Walk back over capitalised words within the sentence. */
			while (p > text && words < NAME_WORDS_MAX) {
				const char *we = p, *ws;

				while (we > text && we[-1] == ' ')
					we--;
				ws = we;
				while (ws > text && ws[-1] != ' ' && ws[-1] != '\n' && ws[-1] != '.' && ws[-1] != '!' &&
				       ws[-1] != '?' && ws[-1] != ',')
					ws--;
				if (ws == we || !is_upper_start(ws) || is_stopword(ws, (size_t)(we - ws)))
					break;
				start = ws;
				words++;
				p = ws;
				if (ws == text || ws[-1] != ' ')
					break;
			}
			if (words > 0)
				return clean_value(start, (size_t)(hit - start), COMPANY_FIELD_MAX);
			hit += strlen(phrases[i]);
		}
	}
	return NULL;
}

/* "join our Platform Engineering team" / "join the Data team": the words between, at most three. */
static char *join_team(const char *text)
{
	static const char *const leads[] = { "join our ", "join the " };
	size_t i, tl = strlen(text);

	for (i = 0; i < ARRAY_SIZE(leads); i++) {
		size_t n = strlen(leads[i]), at;

		for (at = 0; at + n <= tl; at++) {
			const char *p, *team;

			if (strncasecmp(text + at, leads[i], n) != 0)
				continue;
			p = text + at + n;
			team = p;
			while (*team && *team != '\n' && *team != '.' && *team != ',' && team - p < 60 &&
			       strncasecmp(team, " team", 5) != 0)
				team++;
			if (strncasecmp(team, " team", 5) == 0 && team > p) {
				const char *w;
				int words = 1;

				for (w = p; w < team; w++)
					if (*w == ' ')
						words++;
				if (words <= 3 && is_upper_start(p))
					return clean_value(p, (size_t)(team - p), COMPANY_FIELD_MAX);
			}
		}
	}
	return NULL;
}

/* Whether a parenthesised group is a gender tag: "(m/f/d)", "(w/m/d)", "(all genders)" and the like. */
static bool gender_tag(const char *open, size_t len)
{
	size_t i, slashes = 0;

	if (len == 13 && strncasecmp(open, "(all genders)", 13) == 0)
		return true;
	if (len > 12)
		return false;
	for (i = 1; i + 1 < len; i++) {
		if (open[i] == '/')
			slashes++;
		else if (!isalpha((unsigned char)open[i]) && open[i] != ' ')
			return false;
	}
	return slashes >= 1;
}

static char *position_from_title(const char *title)
{
	struct buf b = BUF_INIT(0);
	const char *p = title ? title : "";
	char *out;

	while (*p) {
		const char *close;

		if (*p == '(' && (close = strchr(p, ')')) != NULL && gender_tag(p, (size_t)(close - p + 1))) {
			p = close + 1;
			continue;
		}
		buf_append_char(&b, *p++);
	}
	out = clean_value(b.ptr ? b.ptr : "", b.len, COMPANY_FIELD_MAX);
	buf_release(&b);
	return out;
}

static void add_skill(struct company_info *c, const char *s)
{
	char *v;
	size_t i;

	if (c->nskills >= COMPANY_SKILLS_MAX)
		return;
	v = clean_value(s, strlen(s), COMPANY_SKILL_MAX);
	for (i = 0; i < c->nskills && *v; i++) {
		if (str_equal_nocase(c->skills[i], v)) {
			free(v);
			return;
		}
	}
	if (!*v) {
		free(v);
		return;
	}
	c->skills[c->nskills++] = v;
}

static char *field_or(const char *given, char *found)
{
	if (given && *given) {
		free(found);
		return clean_value(given, strlen(given), COMPANY_FIELD_MAX);
	}
	return found ? found : xstrdup("");
}

void company_extract(struct job *job, struct company_info *out)
{
	static const char *const company_labels[] = { "company", "employer", "organisation", "organization", NULL };
	static const char *const location_labels[] = { "location", "based in", "office", NULL };
	static const char *const department_labels[] = { "department", "team", "division", NULL };
	const char *desc = job->description ? job->description : "";
	struct jd_header head;
	char *found;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&head, 0, sizeof(head));
	jd_header_parse(desc, &head);
	found = NULL;
	if (!job->company || !*job->company) {
		found = labelled(desc, company_labels);
		if (!found)
			found = about_heading(desc);
		if (!found)
			found = head.company ? clean_value(head.company, strlen(head.company), COMPANY_FIELD_MAX)
					     : NULL;
		if (!found)
			found = is_hiring(desc);
	}
	out->company = field_or(job->company, found);
	out->position = position_from_title(job->title && *job->title ? job->title : head.title ? head.title : "");
	found = labelled(desc, department_labels);
	if (!found)
		found = join_team(desc);
	if (!found && head.team)
		found = clean_value(head.team, strlen(head.team), COMPANY_FIELD_MAX);
	out->department = found ? found : xstrdup("");
	found = NULL;
	if (!job->location || !*job->location) {
		found = labelled(desc, location_labels);
		if (!found && head.location)
			found = clean_value(head.location, strlen(head.location), COMPANY_FIELD_MAX);
	}
	out->location = field_or(job->location, found);
	jd_header_release(&head);
	for (i = 0; i < job->nrequired_skills; i++)
		add_skill(out, job->required_skills[i]);
	if (out->nskills == 0) {
		const struct rubric *r = job_rubric(job);
		size_t k;

		for (i = 0; i < r->ncriteria; i++) {
			if (r->criteria[i].kind != RUBRIC_SKILLS)
				continue;
			for (k = 0; k < r->criteria[i].nkeywords; k++)
				add_skill(out, r->criteria[i].keywords[k]);
		}
	}
	out->source = xstrdup("local");
}

static void replace_field(char **field, const cJSON *answer, const char *name)
{
	const char *v = json_str(answer, name, "");
	char *clean = clean_value(v, strlen(v), COMPANY_FIELD_MAX);

	if (*clean) {
		free(*field);
		*field = clean;
	} else {
		free(clean);
	}
}

void company_apply_answer(struct company_info *out, const cJSON *answer)
{
	const cJSON *skills, *s;

	replace_field(&out->company, answer, "company");
	replace_field(&out->position, answer, "position");
	replace_field(&out->department, answer, "department");
	replace_field(&out->location, answer, "location");
	skills = cJSON_GetObjectItemCaseSensitive(answer, "key_skills");
	if (cJSON_GetArraySize(skills) > 0) {
		while (out->nskills > 0)
			free(out->skills[--out->nskills]);
		cJSON_ArrayForEach(s, skills)
		{
			if (cJSON_IsString(s))
				add_skill(out, s->valuestring);
		}
	}
	free(out->source);
	out->source = xstrdup("llm");
}

void company_release(struct company_info *c)
{
	size_t i;

	free(c->company);
	free(c->position);
	free(c->department);
	free(c->location);
	for (i = 0; i < c->nskills; i++)
		free(c->skills[i]);
	free(c->source);
	free(c->updated_at);
	memset(c, 0, sizeof(*c));
}

static char *skills_json(const struct company_info *c)
{
	cJSON *a = cJSON_CreateArray();
	char *s;
	size_t i;

	for (i = 0; i < c->nskills; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->skills[i]));
	s = json_print(a);
	cJSON_Delete(a);
	return s;
}

static void skills_from_json(struct company_info *c, const char *text)
{
	cJSON *a = text ? cJSON_Parse(text) : NULL, *it;

	cJSON_ArrayForEach(it, a)
	{
		if (cJSON_IsString(it))
			add_skill(c, it->valuestring);
	}
	cJSON_Delete(a);
}

static char *value_dup(const struct db_result *res, int row, int col)
{
	const char *v = db_value(res, row, col);

	return xstrdup(v ? v : "");
}

int company_store(int64_t org_id, int64_t job_id, const char *job_updated_at, struct company_info *c)
{
	struct db_result *res = NULL;
	char org[24], job[24], *skills = skills_json(c);
	const char *p[9] = { org,	  job,	  c->company, c->position,   c->department,
			     c->location, skills, c->source,  job_updated_at };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query(
		"company_store",
		"INSERT INTO job_company (job_id, org_id, company, position, department, location, skills, source,"
		" job_updated_at) VALUES ($2, $1, $3, $4, $5, $6, $7::jsonb, $8, $9::timestamptz)"
		" ON CONFLICT (job_id) DO UPDATE SET company = EXCLUDED.company, position = EXCLUDED.position,"
		" department = EXCLUDED.department, location = EXCLUDED.location, skills = EXCLUDED.skills,"
		" source = EXCLUDED.source, job_updated_at = EXCLUDED.job_updated_at, updated_at = now()"
		" WHERE job_company.org_id = $1 AND (EXCLUDED.source = 'edited' OR job_company.source <> 'edited')"
		" RETURNING to_jsonb(updated_at) #>> '{}'",
		9, p, &res);
	free(skills);
	if (rc < 0)
		return rc;
	if (db_rows(res) == 1) {
		free(c->updated_at);
		c->updated_at = xstrdup(db_value(res, 0, 0));
	}
	db_result_free(res);
	return 0;
}

/* Loads the job's row: 0 with *stale telling whether it must be (re)extracted, ST_NOT_FOUND, or a db code. */
static int load(int64_t org_id, int64_t job_id, struct company_info *out, char **job_updated_at, bool *stale)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("company_load",
		      "SELECT j.updated_at::text, c.job_id IS NOT NULL, c.source = 'edited' OR c.job_updated_at = "
		      "j.updated_at,"
		      " c.company, c.position, c.department, c.location, c.skills::text, c.source,"
		      " to_jsonb(c.updated_at) #>> '{}'"
		      " FROM jobs j LEFT JOIN job_company c ON c.job_id = j.id WHERE j.org_id = $1 AND j.id = $2",
		      2, p, &res);
	if (rc < 0)
		return rc;
	if (db_rows(res) != 1) {
		db_result_free(res);
		return ST_NOT_FOUND;
	}
	*job_updated_at = xstrdup(db_value(res, 0, 0));
	*stale = !(db_bool(res, 0, 1) && db_bool(res, 0, 2));
	if (!*stale) {
		out->company = value_dup(res, 0, 3);
		out->position = value_dup(res, 0, 4);
		out->department = value_dup(res, 0, 5);
		out->location = value_dup(res, 0, 6);
		skills_from_json(out, db_value(res, 0, 7));
		out->source = value_dup(res, 0, 8);
		out->updated_at = value_dup(res, 0, 9);
	}
	db_result_free(res);
	return 0;
}

int company_get(int64_t org_id, int64_t job_id, struct company_info *out)
{
	struct job *job = NULL;
	char *job_updated_at = NULL;
	bool stale = false;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load(org_id, job_id, out, &job_updated_at, &stale);
	if (rc < 0 || !stale)
		goto out;
	rc = jobstore_load(org_id, job_id, &job);
	if (rc < 0)
		goto out;
	company_extract(job, out);
	rc = company_store(org_id, job_id, job_updated_at, out);
	if (rc < 0)
		company_release(out);
out:
	free(job_updated_at);
	job_free(job);
	return rc;
}

/* Replaces *field with the member name of edit when present; -1 with err when it is not a valid value. */
static int edit_field(const cJSON *edit, const char *name, char **field, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(edit, name);
	size_t len, i;

	if (!v)
		return 0;
	if (cJSON_IsNull(v)) {
		free(*field);
		*field = xstrdup("");
		return 0;
	}
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "%s: must be a string", name);
		return -1;
	}
	len = strlen(v->valuestring);
	if (len > COMPANY_FIELD_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes", name, COMPANY_FIELD_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)v->valuestring[i] < 0x20 || v->valuestring[i] == 0x7f) {
			snprintf(err, errlen, "%s: must be one line without control characters", name);
			return -1;
		}
	}
	if (!mime_utf8_valid(v->valuestring, len)) {
		snprintf(err, errlen, "%s: not valid UTF-8", name);
		return -1;
	}
	free(*field);
	*field = clean_value(v->valuestring, len, COMPANY_FIELD_MAX);
	return 0;
}

static int edit_skills(const cJSON *edit, struct company_info *c, char *err, size_t errlen)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(edit, "skills"), *it;
	struct company_info tmp;
	size_t i;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > COMPANY_SKILLS_MAX) {
		snprintf(err, errlen, "skills: must be an array of at most %d strings", COMPANY_SKILLS_MAX);
		return -1;
	}
	memset(&tmp, 0, sizeof(tmp));
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsString(it) || !*it->valuestring || strlen(it->valuestring) > COMPANY_SKILL_MAX ||
		    !mime_utf8_valid(it->valuestring, strlen(it->valuestring))) {
			snprintf(err, errlen, "skills: each must be a non-empty string of at most %d bytes",
				 COMPANY_SKILL_MAX);
			company_release(&tmp);
			return -1;
		}
		add_skill(&tmp, it->valuestring);
	}
	for (i = 0; i < c->nskills; i++)
		free(c->skills[i]);
	memcpy(c->skills, tmp.skills, sizeof(c->skills));
	c->nskills = tmp.nskills;
	return 0;
}

int company_put(int64_t org_id, int64_t job_id, const cJSON *edit, struct company_info *out, char *err, size_t errlen)
{
	char *job_updated_at = NULL;
	bool stale = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(edit)) {
		snprintf(err, errlen, "the body must be a JSON object");
		return ST_BAD_REQUEST;
	}
	rc = company_get(org_id, job_id, out);
	if (rc < 0)
		return rc;
	if (edit_field(edit, "company", &out->company, err, errlen) < 0 ||
	    edit_field(edit, "position", &out->position, err, errlen) < 0 ||
	    edit_field(edit, "department", &out->department, err, errlen) < 0 ||
	    edit_field(edit, "location", &out->location, err, errlen) < 0 || edit_skills(edit, out, err, errlen) < 0) {
		rc = ST_BAD_REQUEST;
		goto out;
	}
	free(out->source);
	out->source = xstrdup("edited");
	{
		struct company_info cur;

		memset(&cur, 0, sizeof(cur));
		rc = load(org_id, job_id, &cur, &job_updated_at, &stale);
		company_release(&cur);
	}
	if (rc == 0)
		rc = company_store(org_id, job_id, job_updated_at, out);
out:
	free(job_updated_at);
	if (rc < 0)
		company_release(out);
	return rc;
}

cJSON *company_to_json(int64_t job_id, const struct company_info *c)
{
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;

	cJSON_AddNumberToObject(o, "job_id", (double)job_id);
	cJSON_AddStringToObject(o, "company", c->company ? c->company : "");
	cJSON_AddStringToObject(o, "position", c->position ? c->position : "");
	cJSON_AddStringToObject(o, "department", c->department ? c->department : "");
	cJSON_AddStringToObject(o, "location", c->location ? c->location : "");
	a = cJSON_AddArrayToObject(o, "skills");
	for (i = 0; i < c->nskills; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->skills[i]));
	json_add_str_or_null(o, "source", c->source);
	json_add_str_or_null(o, "updated_at", c->updated_at);
	return o;
}
