/* rubric_sections: the required and nice-to-have sections of a job description and the skills their bullets name (pure functions). */
#include "score/rubric_sections.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/util.h"

enum section { SEC_NONE, SEC_REQUIRED, SEC_NICE, SEC_OTHER };

/* Headings, compared without case after trimming, that start each kind of section. */
static const char *const required_headings[] = {
	"requirements",
	"required",
	"required skills",
	"required qualifications",
	"requirements and qualifications",
	"qualifications",
	"minimum qualifications",
	"basic qualifications",
	"essential",
	"essential criteria",
	"essential skills",
	"essential requirements",
	"must have",
	"must-have",
	"must haves",
	"must-haves",
	"what you need",
	"what you'll need",
	"what you will need",
	"what we're looking for",
	"what we are looking for",
	"who you are",
	"about you",
	"you have",
	"you will have",
	"you'll have",
	"skills",
	"key skills",
	"skills and experience",
	"skills and qualifications",
	"skill set",
	"skillset",
	"experience and skills",
	"the person",
	"person specification",
	"technical skills",
	"soft skills",
	"technical requirements",
	"certifications",
	"licences",
	"licenses",
};

static const char *const nice_headings[] = {
	"nice to have",
	"nice-to-have",
	"nice to haves",
	"nice-to-haves",
	"nice to have skills",
	"preferred",
	"preferred qualifications",
	"preferred skills",
	"desirable",
	"desirable criteria",
	"desirable skills",
	"desired",
	"desired skills",
	"bonus",
	"bonus points",
	"bonus skills",
	"pluses",
	"a plus",
	"good to have",
	"it would be great if",
	"extra credit",
	"optional",
	"even better",
	"ideally",
};

static const char *const other_headings[] = {
	"about the role",
	"about the job",
	"about us",
	"about the company",
	"the role",
	"role overview",
	"overview",
	"summary",
	"job summary",
	"position summary",
	"role summary",
	"what you will do",
	"what you'll do",
	"what you'll be doing",
	"what you will be doing",
	"responsibilities",
	"key responsibilities",
	"duties",
	"key duties",
	"main duties",
	"day to day",
	"your day",
	"the job",
	"benefits",
	"perks",
	"what we offer",
	"compensation",
	"salary",
	"how to apply",
	"our values",
	"who we are",
	"why join us",
	"location",
	"hours",
	"schedule",
};

/* Lead-ins dropped from the start of an item, longest first where they share a start. */
static const char *const lead_ins[] = {
	"hands-on experience with ",
	"hands-on experience in ",
	"hands-on ",
	"working knowledge of ",
	"good knowledge of ",
	"sound knowledge of ",
	"strong knowledge of ",
	"in-depth knowledge of ",
	"knowledge of ",
	"experience with ",
	"experience in ",
	"experience of ",
	"experience using ",
	"proficiency in ",
	"proficiency with ",
	"proficient in ",
	"proficient with ",
	"familiarity with ",
	"familiar with ",
	"understanding of ",
	"expertise in ",
	"expert in ",
	"background in ",
	"skilled in ",
	"skills in ",
	"competence in ",
	"a track record in ",
	"track record of ",
	"must have ",
	"you have ",
	"have ",
	"hold ",
	"holds ",
	"a valid ",
	"valid ",
	"a current ",
	"current ",
	"a full ",
	"strong ",
	"excellent ",
	"good ",
	"great ",
	"solid ",
	"proven ",
	"demonstrated ",
	"demonstrable ",
	"confident ",
	"effective ",
	"outstanding ",
	"a ",
	"an ",
	"the ",
};

/* Items that state an ability, a condition or eligibility rather than a skill. */
static const char *const not_skills[] = {
	"ability to ",	"able to ",	"willingness to ", "willing to ",   "must be ",
	"eligible ",	"eligibility ", "right to work",   "availability ", "available ",
	"flexibility ", "a passion ",	"passion for ",	   "desire to ",    "comfortable ",
	"happy to ",	"enjoy ",	"you are ",	   "you're ",	    "be ",
};

/* Words that make an item a licence or certification. */
static const char *const cert_words[] = {
	"licence",
	"license",
	"certificate",
	"certification",
	"certified",
	"card",
	"status",
	"registration",
	"qualified",
	/* Levels of vocational qualifications: "Level 3 electrical installation", "NVQ", "City & Guilds 2365". */
	"level 1",
	"level 2",
	"level 3",
	"level 4",
	"level 5",
	"level 6",
	"level 7",
	"nvq",
	"btec",
	"city & guilds",
	"city and guilds",
	"hnc",
	"hnd",
};

/* Words that make an item (or a piece of a list) a statement of years. */
static const char *const year_words[] = { "year", "yrs" };

/* Words that make an item a degree: education, not a skill. */
static const char *const degree_words[] = { "degree",  "bachelor", "master's", "masters", "phd",  "doctorate",
					    "diploma", "bsc",	   "msc",      "b.s.",	  "m.s.", "mba" };

/* Endings dropped from an item after a quality ("communication skills" is "communication"). */
static const char *const tails[] = { " skills", " skill", " experience", " knowledge", " abilities" };

/* Words more than which make an item a sentence, not a skill. */
#define ITEM_WORDS_MAX 6
/* Words more than which make a piece of a comma list a clause. */
#define LIST_PIECE_WORDS_MAX 4
/* Most bytes of one item. */
#define ITEM_BYTES_MAX 80
/* A line of more words than this that is not a bullet is prose, not an item. */
#define PLAIN_LINE_WORDS_MAX 8

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims white space from both ends and a trailing '.', ';', ',' or '*'. */
static void trim(const char **s, size_t *n)
{
	str_trim_set(s, n, " \t\r\f\v", " \t\r\f\v.;,*");
}

/* Skips a bullet mark ("-", "*", "•", "–", "1.", "a)"); returns whether there was one. */
static bool strip_bullet(const char **s, size_t *n)
{
	const char *p = *s;
	size_t k = 0;

	if (*n >= 1 && (p[0] == '-' || p[0] == '*' || p[0] == '+'))
		k = 1;
	else if (*n >= 3 &&
		 ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
		  ((unsigned char)p[2] == 0xA2 || (unsigned char)p[2] == 0x93 || (unsigned char)p[2] == 0x94)))
		k = 3;
	else if (*n >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xB7)
		k = 2;
	else if (*n >= 2 && p[0] >= '0' && p[0] <= '9' && (p[1] == '.' || p[1] == ')'))
		k = 2;
	if (!k || (k < *n && !space(p[k])))
		return false;
	*s += k;
	*n -= k;
	trim(s, n);
	return true;
}

static bool equal_nocase(const char *s, size_t n, const char *ref)
{
	return strlen(ref) == n && strncasecmp(s, ref, n) == 0;
}

static bool starts_nocase(const char *s, size_t n, const char *ref)
{
	size_t k = strlen(ref);

	return n >= k && strncasecmp(s, ref, k) == 0;
}

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (equal_nocase(s, n, list[i]))
			return true;
	return false;
}

/* The section a heading line starts, or SEC_NONE when the line is no heading; *rest gets text after a ':'. */
static enum section heading_of(const char *s, size_t n, const char **rest, size_t *nrest)
{
	const char *colon;
	size_t h;

	*rest = NULL;
	*nrest = 0;
	while (n && (s[0] == '#' || s[0] == '*' || s[0] == '_' || s[0] == ' ')) {
		s++;
		n--;
	}
	colon = memchr(s, ':', n);
	h = colon ? (size_t)(colon - s) : n;
	while (h && (s[h - 1] == '#' || s[h - 1] == '*' || s[h - 1] == '_' || space(s[h - 1])))
		h--;
	if (h == 0 || h > 48)
		return SEC_NONE;
	if (colon) {
		*rest = colon + 1;
		*nrest = n - (size_t)(colon + 1 - s);
	}
	if (in_list(s, h, required_headings, ARRAY_SIZE(required_headings)))
		return SEC_REQUIRED;
	if (in_list(s, h, nice_headings, ARRAY_SIZE(nice_headings)))
		return SEC_NICE;
	if (in_list(s, h, other_headings, ARRAY_SIZE(other_headings)))
		return SEC_OTHER;
	return SEC_NONE;
}

static size_t count_words(const char *s, size_t n)
{
	size_t i, w = 0;
	bool in = false;

	for (i = 0; i < n; i++) {
		if (space(s[i])) {
			in = false;
		} else if (!in) {
			in = true;
			w++;
		}
	}
	return w;
}

/* Cuts an item at an explanation: " - ", " – ", " — ", ":", "(", ";", " e.g.", " such as ", " including ". */
static void cut_explanation(const char *s, size_t *n)
{
	static const char *const cuts[] = { " - ",  " \xE2\x80\x93 ", " \xE2\x80\x94 ", ":",	       "(",
					    ";",    " e.g.",	      " such as ",	" including ", " i.e.",
					    " etc", " ideally",	      ", ideally" };
	size_t i, at, k;

	for (at = 0; at < *n; at++) {
		for (i = 0; i < ARRAY_SIZE(cuts); i++) {
			k = strlen(cuts[i]);
			if (at + k <= *n && strncasecmp(s + at, cuts[i], k) == 0) {
				*n = at;
				return;
			}
		}
	}
}

static bool has_letter(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* Whether a word is written as a name ("Excel", "PAT", "Node.js"): it has a capital letter. */
static bool has_upper(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

/*
 * The keyword for s[0..n): words written with a capital only first
 * ("Forklift testing") in lower case, acronyms and mixed case ("PAT",
 * "JavaScript") and a word alone ("Go") as written, runs of spaces as one.
 */
static char *keyword_copy(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i = 0, o = 0, w, k;
	bool caps_after;

	while (i < n) {
		while (i < n && space(s[i]))
			i++;
		if (i == n)
			break;
		w = i;
		while (i < n && !space(s[i]))
			i++;
		caps_after = false;
		for (k = w + 1; k < i; k++)
			if (s[k] >= 'A' && s[k] <= 'Z')
				caps_after = true;
		if (o)
			out[o++] = ' ';
		/* A one-word item keeps its capital: "Go" is a language, "go" a verb. */
		if (w == 0 && i >= n)
			caps_after = true;
		for (k = w; k < i; k++)
			out[o++] = (!caps_after && s[k] >= 'A' && s[k] <= 'Z') ? (char)(s[k] - 'A' + 'a') : s[k];
	}
	out[o] = '\0';
	return out;
}

static bool contains_any(const char *s, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (str_find_nocase(s, n, list[i]) >= 0)
			return true;
	return false;
}

static bool is_cert(const char *s, size_t n)
{
	return contains_any(s, n, cert_words, ARRAY_SIZE(cert_words));
}

/* Whether s[0..n) ends like a quality rather than a thing: "communication", "analytical", "creative", "problem-solving". */
static bool soft_word_end(const char *s, size_t n)
{
	static const char *const ends[] = { "ion", "al", "ive", "ing" };
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		k = strlen(ends[i]);
		if (n > k && strncasecmp(s + n - k, ends[i], k) == 0)
			return true;
	}
	return false;
}

/* Drops lead-ins ("Experience with", "A valid", "Strong") from the start of s, as often as they repeat. */
static void strip_lead_ins(const char **s, size_t *n)
{
	size_t i, k;
	bool changed = true;

	while (changed) {
		changed = false;
		for (i = 0; i < ARRAY_SIZE(lead_ins); i++) {
			k = strlen(lead_ins[i]);
			if (*n > k && strncasecmp(*s, lead_ins[i], k) == 0) {
				*s += k;
				*n -= k;
				changed = true;
			}
		}
	}
}

static void add_item(struct rubric_sections *sec, const char *s, size_t n, size_t start, size_t end, bool nice)
{
	struct rubric_item *it;
	size_t i, k;

	trim(&s, &n);
	while (n && (s[0] == '"' || s[0] == '\'' || s[0] == '(')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ')' || s[n - 1] == '.'))
		n--;
	strip_lead_ins(&s, &n);
	/* "communication skills" is "communication"; "knife skills" stays: only after -ion, -al, -ive, -ing. */
	for (i = 0; i < ARRAY_SIZE(tails); i++) {
		k = strlen(tails[i]);
		if (n > k && strncasecmp(s + n - k, tails[i], k) == 0 && soft_word_end(s, n - k)) {
			n -= k;
			break;
		}
	}
	trim(&s, &n);
	if (n < 2 || n > ITEM_BYTES_MAX || count_words(s, n) > ITEM_WORDS_MAX || !has_letter(s, n) ||
	    memchr(s, '\0', n))
		return;
	sec->items = xrealloc(sec->items, (sec->nitems + 1) * sizeof(*sec->items));
	it = &sec->items[sec->nitems++];
	it->text = keyword_copy(s, n);
	it->start = start;
	it->end = end;
	it->nice = nice;
	it->cert = is_cert(s, n);
	it->degree = contains_any(s, n, degree_words, ARRAY_SIZE(degree_words));
}

/* Finds the last " and " or " or " of s[0..n) (lower case); returns its offset or n. */
static size_t last_conj(const char *s, size_t n, const char *conj)
{
	size_t k = strlen(conj), at, found = n;

	for (at = 0; at + k <= n; at++)
		if (strncasecmp(s + at, conj, k) == 0)
			found = at;
	return found;
}

/* Adds one keyword of the alternatives of a list that ends in "or" ("Tableau, Power BI or Looker"). */
static void add_alternatives(struct rubric_sections *sec, const char *s, size_t n, size_t start, size_t end, bool nice)
{
	struct rubric_sections one = { 0 };
	struct buf b = BUF_INIT(4 * ITEM_BYTES_MAX);
	const char *p = s, *comma;
	size_t m = n, piece, orat, i;
	char *alt;

	while (m) {
		comma = memchr(p, ',', m);
		piece = comma ? (size_t)(comma - p) : m;
		orat = last_conj(p, piece, " or ");
		add_item(&one, p, orat < piece ? orat : piece, start, end, nice);
		if (orat < piece)
			add_item(&one, p + orat + 4, piece - orat - 4, start, end, nice);
		if (!comma)
			break;
		m -= piece + 1;
		p = comma + 1;
	}
	for (i = 0; i < one.nitems; i++)
		if (buf_printf(&b, "%s%s", i ? " or " : "", one.items[i].text) < 0)
			break;
	if (one.nitems && b.len) {
		alt = buf_detach(&b, NULL);
		sec->items = xrealloc(sec->items, (sec->nitems + 1) * sizeof(*sec->items));
		sec->items[sec->nitems++] =
			(struct rubric_item){ alt,
					      start,
					      end,
					      nice,
					      is_cert(alt, strlen(alt)),
					      contains_any(alt, strlen(alt), degree_words, ARRAY_SIZE(degree_words)) };
	}
	buf_release(&b);
	rubric_sections_release(&one);
}

/* One bullet's text: its skills, split as rubric_sections_parse() says. */
/* Drops endings that qualify rather than name ("BLS required", "C# or similar", "SQL is a plus"). */
static void strip_qualifiers(const char *s, size_t *n)
{
	static const char *const ends[] = { " required",    " preferred",    " essential",   " desirable",
					    " is a plus",   " a plus",	     " or similar",  " or equivalent",
					    " or related",  " is essential", " is required", " advantageous",
					    " an advantage" };
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		k = strlen(ends[i]);
		if (*n > k && strncasecmp(s + *n - k, ends[i], k) == 0)
			*n -= k;
	}
}

/* Whether every comma-separated piece of s[0..n) is short enough to be a name, not a clause. */
static bool short_pieces(const char *s, size_t n)
{
	const char *p = s, *comma;
	size_t m = n, piece, at;

	while (m) {
		comma = memchr(p, ',', m);
		piece = comma ? (size_t)(comma - p) : m;
		/* The last piece may be two: "customer service and POS systems"; years are left out anyway. */
		at = last_conj(p, piece, " and ");
		if (at == piece)
			at = last_conj(p, piece, " or ");
		if (!contains_any(p, piece, year_words, ARRAY_SIZE(year_words)) &&
		    (count_words(p, at) > LIST_PIECE_WORDS_MAX ||
		     (at < piece && count_words(p + at, piece - at) > LIST_PIECE_WORDS_MAX + 1)))
			return false;
		if (!comma)
			break;
		m -= piece + 1;
		p = comma + 1;
	}
	return true;
}

/*
 * One piece without commas: "X and Y" is two skills unless both are single
 * words ("health and safety", "inspection and testing" stay one).
 */
static void add_piece(struct rubric_sections *sec, const char *q, size_t qn, size_t start, size_t end, bool nice)
{
	size_t at;

	trim(&q, &qn);
	if (starts_nocase(q, qn, "and ")) {
		q += 4;
		qn -= 4;
	}
	/* "3+ years as an electrician" in a list is the experience criterion's. */
	if (contains_any(q, qn, year_words, ARRAY_SIZE(year_words)))
		return;
	at = last_conj(q, qn, " and ");
	if (at < qn && last_conj(q, qn, " or ") == qn &&
	    (count_words(q, at) > 1 || count_words(q + at + 5, qn - at - 5) > 1 ||
	     (has_upper(q, at) && has_upper(q + at + 5, qn - at - 5) && at > 0 && q[0] >= 'A' && q[0] <= 'Z' &&
	      q[at + 5] >= 'A' && q[at + 5] <= 'Z'))) {
		add_item(sec, q, at, start, end, nice);
		add_item(sec, q + at + 5, qn - at - 5, start, end, nice);
		return;
	}
	add_item(sec, q, qn, start, end, nice);
}

/* One bullet's text: its skills, split as rubric_sections_parse() says. */
static void parse_item(struct rubric_sections *sec, const char *s, size_t n, size_t start, size_t end, bool nice)
{
	static const char *const examples[] = { " such as ", " e.g. ", " e.g ", " including ", " like " };
	const char *p, *comma;
	size_t i, m, at, k, piece;

	while (n && (s[0] == '*' || s[0] == '_' || space(s[0]))) {
		s++;
		n--;
	}
	trim(&s, &n);
	strip_lead_ins(&s, &n);
	for (i = 0; i < ARRAY_SIZE(not_skills); i++)
		if (starts_nocase(s, n, not_skills[i]))
			return;
	if (!memchr(s, ',', n) && contains_any(s, n, year_words, ARRAY_SIZE(year_words)))
		return;
	/* "good practices such as TDD, CI/CD and DevOps": the examples are the skills. */
	for (i = 0; i < ARRAY_SIZE(examples); i++) {
		k = strlen(examples[i]);
		for (at = 0; at + k <= n; at++) {
			if (strncasecmp(s + at, examples[i], k) == 0) {
				s += at + k;
				n -= at + k;
				at = last_conj(s, n, " as well as ");
				n = at < n ? at : n;
				break;
			}
		}
	}
	cut_explanation(s, &n);
	trim(&s, &n);
	strip_qualifiers(s, &n);
	trim(&s, &n);
	if (!n)
		return;
	if (!memchr(s, ',', n)) {
		if (count_words(s, n) <= ITEM_WORDS_MAX)
			add_piece(sec, s, n, start, end, nice);
		return;
	}
	/* A list: "Python, SQL and Tableau"; "Tableau, Power BI or Looker" is one choice. */
	if (!short_pieces(s, n))
		return;
	at = last_conj(s, n, " or ");
	if (at < n && !memchr(s + at, ',', n - at)) {
		add_alternatives(sec, s, n, start, end, nice);
		return;
	}
	p = s;
	m = n;
	while (m) {
		comma = memchr(p, ',', m);
		piece = comma ? (size_t)(comma - p) : m;
		add_piece(sec, p, piece, start, end, nice);
		if (!comma)
			break;
		m -= piece + 1;
		p = comma + 1;
	}
}

/* Phrases after which a sentence lists what the job requires or would like ("You will need a, b and c."). */
static const struct {
	const char *cue;
	bool nice;
} cues[] = {
	{ "you will need ", false },
	{ "you'll need ", false },
	{ "you must have ", false },
	{ "you must bring ", false },
	{ "you should have ", false },
	{ "you will bring ", false },
	{ "we are looking for someone with ", false },
	{ "we're looking for someone with ", false },
	{ "we need someone with ", false },
	{ "the successful candidate will have ", false },
	{ "the ideal candidate will have ", false },
	{ "the ideal candidate has ", false },
	{ "candidates must have ", false },
	{ "requirements include ", false },
	{ "it would be great if you also had ", true },
	{ "it would be great if you had ", true },
	{ "it would be nice if you had ", true },
	{ "bonus points for ", true },
	{ "ideally you will also have ", true },
	{ "ideally you also have ", true },
	{ "we would also welcome ", true },
};

/* Ends of a sentence whose start lists nice-to-haves ("Kafka or Terraform is a plus."). */
static const char *const nice_ends[] = {
	" is a plus",	  " are a plus",      " would be a plus",	" is a bonus",
	" are a bonus",	  " is an advantage", " would be an advantage", " is desirable",
	" are desirable", " is nice to have", " are nice to have"
};

/*
 * A sentence of prose (not a bullet of a section) that lists skills after a
 * cue: its comma list gives the items, required or nice by the cue.
 */
static void parse_sentence(struct rubric_sections *sec, const char *s, size_t n, size_t start, size_t end)
{
	size_t i, at, k;

	for (i = 0; i < ARRAY_SIZE(cues); i++) {
		k = strlen(cues[i].cue);
		for (at = 0; at + k <= n; at++) {
			/* A required list needs its commas; a wish may be one or two things ("lean and SAP"). */
			if (strncasecmp(s + at, cues[i].cue, k) == 0 &&
			    (memchr(s + at + k, ',', n - at - k) ||
			     (cues[i].nice && count_words(s + at + k, n - at - k) <= ITEM_WORDS_MAX + 1))) {
				parse_item(sec, s + at + k, n - at - k, start, end, cues[i].nice);
				return;
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(nice_ends); i++) {
		k = strlen(nice_ends[i]);
		if (n > k && strncasecmp(s + n - k, nice_ends[i], k) == 0 &&
		    count_words(s, n - k) <= 2 * ITEM_WORDS_MAX) {
			parse_item(sec, s, n - k, start, end, true);
			return;
		}
	}
}

/* The sentences of a prose line ("... a day. You will need a, b and c."), each given to parse_sentence(). */
static void parse_prose(struct rubric_sections *sec, const char *s, size_t n, size_t start, size_t end)
{
	size_t i = 0, from = 0;

	for (i = 0; i <= n; i++) {
		if (i == n || ((s[i] == '.' || s[i] == '!' || s[i] == '?') && (i + 1 == n || space(s[i + 1])))) {
			if (i > from)
				parse_sentence(sec, s + from, i - from, start, end);
			from = i + 1;
		}
	}
}

void rubric_sections_parse(const char *text, size_t len, struct rubric_sections *sec)
{
	enum section cur = SEC_NONE, h;
	size_t i = 0, end, n, nrest, nice_start = 0;
	const char *s, *rest;
	bool bullet;

	while (i <= len) {
		end = i;
		while (end < len && text[end] != '\n')
			end++;
		s = text + i;
		n = end - i;
		trim(&s, &n);
		bullet = strip_bullet(&s, &n);
		h = bullet ? SEC_NONE : heading_of(s, n, &rest, &nrest);
		/* A Markdown heading of another subject ("### Stage three - Interview") ends the section. */
		if (h == SEC_NONE && !bullet && n && s[0] == '#')
			h = SEC_OTHER;
		if (h != SEC_NONE) {
			if (cur == SEC_NICE) {
				sec->nice = xrealloc(sec->nice, (sec->nnice + 1) * sizeof(*sec->nice));
				sec->nice[sec->nnice][0] = nice_start;
				sec->nice[sec->nnice][1] = i;
				sec->nnice++;
			}
			cur = h;
			nice_start = i;
			if (rest && (h == SEC_REQUIRED || h == SEC_NICE))
				parse_item(sec, rest, nrest, i, end, h == SEC_NICE);
		} else if (n && (cur == SEC_REQUIRED || cur == SEC_NICE) && s[0] != '#' &&
			   (bullet || (count_words(s, n) <= PLAIN_LINE_WORDS_MAX && !(s[0] >= 'a' && s[0] <= 'z') &&
				       s[n - 1] != ':'))) {
			/*
			 * A plain line starting in lower case continues the bullet above
			 * ("agement, etc.)"); one ending in ':' introduces a list.
			 */
			parse_item(sec, s, n, i, end, cur == SEC_NICE);
		} else if (n && !bullet && h == SEC_NONE) {
			parse_prose(sec, s, n, i, end);
		}
		if (end >= len)
			break;
		i = end + 1;
	}
	if (cur == SEC_NICE) {
		sec->nice = xrealloc(sec->nice, (sec->nnice + 1) * sizeof(*sec->nice));
		sec->nice[sec->nnice][0] = nice_start;
		sec->nice[sec->nnice][1] = len;
		sec->nnice++;
	}
}

void rubric_sections_release(struct rubric_sections *s)
{
	size_t i;

	for (i = 0; i < s->nitems; i++)
		free(s->items[i].text);
	free(s->items);
	free(s->nice);
	memset(s, 0, sizeof(*s));
}

bool rubric_sections_in_nice(const struct rubric_sections *s, size_t pos)
{
	size_t i;

	for (i = 0; i < s->nnice; i++)
		if (pos >= s->nice[i][0] && pos < s->nice[i][1])
			return true;
	return false;
}

bool rubric_sections_in_item(const struct rubric_sections *s, size_t pos)
{
	size_t i;

	for (i = 0; i < s->nitems; i++)
		if (!s->items[i].nice && pos >= s->items[i].start && pos < s->items[i].end)
			return true;
	return false;
}
