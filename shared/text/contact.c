/* contact: a candidate's name, emails, phones and links, guessed from resume text (pure functions). */
#include "text/contact.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

#define NAME_SCAN_LINES 20
#define NAME_MAX_BYTES 64

/* Whole lines that are document headings, never names (compared without case). */
static const char *const headings[] = {
	"resume",
	"résumé",
	"curriculum vitae",
	"curriculum",
	"vitae",
	"cv",
	"c.v.",
	"contact",
	"profile",
	"summary",
	"personal information",
	"personal details",
	"cover letter",
	"履歴書",
	"简历",
	"個人簡歷",
	"个人简历",
	"履历",
	"个人履历",
	"教学经验",
	"工作经验",
	"工作经历",
	"教育背景",
	"项目经验",
	"专业技能",
	"自我评价",
	"联系方式",
	"个人信息",
	"基本信息",
	"求职意向",
	"职務経歴書",
	"ふりがな",
	"フリガナ",
	"氏名",
	"姓名",
	"名前",
};

/* Words that make a line a title or a heading rather than a person's name. */
static const char *const stop_words[] = {
	"resume",
	"résumé",
	"curriculum",
	"vitae",
	"cv",
	"engineer",
	"developer",
	"manager",
	"designer",
	"analyst",
	"scientist",
	"consultant",
	"intern",
	"director",
	"architect",
	"specialist",
	"administrator",
	"officer",
	"assistant",
	"experience",
	"education",
	"skills",
	"summary",
	"objective",
	"profile",
	"contact",
	"references",
	"page",
	"address",
	"phone",
	"email",
	"e-mail",
	"mobile",
	"senior",
	"junior",
	"lead",
	"software",
	"professional",
	"about",
	"projects",
	"project",
	"work",
	"history",
	"employment",
	"information",
	"details",
	"cover",
	"letter",
	"dear",
	"sincerely",
	"university",
	"college",
	"school",
	"institute",
	"inc",
	"inc.",
	"ltd",
	"ltd.",
	"llc",
	"gmbh",
	"street",
	"avenue",
	"road",
	"the",
	"and",
	"of",
	"for",
	"with",
	"team",
	"product",
	"data",
	"web",
	"full",
	"stack",
	"frontend",
	"backend",
	"front-end",
	"back-end",
	"machine",
	"learning",
	"personal",
	"languages",
	"certifications",
	"awards",
	"publications",
	"interests",
	"hobbies",
	"technical",
	"core",
	"competencies",
	"qualifications",
	"career",
	"achievements",
	"volunteer",
	"activities",
	"template",
};

/* Lower-case name particles allowed after the first word ("Ludwig van Beethoven"). */
static const char *const particles[] = {
	"van", "von", "de", "da", "di", "del", "der", "den", "la", "le", "du", "dos", "das", "bin", "al", "y", "e",
};

void contact_init(struct contact *c)
{
	memset(c, 0, sizeof(*c));
}

void contact_release(struct contact *c)
{
	size_t i;

	free(c->name);
	for (i = 0; i < c->n_emails; i++)
		free(c->emails[i]);
	for (i = 0; i < c->n_phones; i++)
		free(c->phones[i]);
	for (i = 0; i < c->n_links; i++)
		free(c->links[i]);
	contact_init(c);
}

static bool is_alpha(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alnum(unsigned char ch)
{
	return is_alpha(ch) || is_digit(ch);
}

static unsigned char lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/*
 * Decodes one UTF-8 sequence at s[*i] (bounded by len) and advances *i.
 * Returns the code point, or 0xFFFD for a bad byte (advancing by one).
 */
static uint32_t utf8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i, n, k;
	uint32_t cp;

	if (p[0] < 0x80) {
		*i += 1;
		return p[0];
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		*i += 1;
		return 0xFFFD;
	}
	if (left < n) {
		*i += 1;
		return 0xFFFD;
	}
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80) {
			*i += 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	*i += n;
	return cp;
}

static bool is_cjk(uint32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x3040 && cp <= 0x30FF) ||
	       (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

/* Letters beyond ASCII that may appear in a name (Latin, Greek, Cyrillic ... but not punctuation or symbols). */
static bool is_name_letter(uint32_t cp)
{
	if (cp < 0x80)
		return is_alpha((unsigned char)cp);
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
		return false;
	if (cp >= 0x2000 && cp <= 0x2BFF)
		return false;
	if (cp >= 0x3000 && cp <= 0x303F)
		return false;
	if (cp >= 0xE000 && cp <= 0xF8FF)
		return false;
	return cp != 0xFFFD && cp < 0xFFF0;
}

static bool word_equal_nocase(const char *w, size_t wlen, const char *ref)
{
	size_t i;

	for (i = 0; i < wlen; i++) {
		if (ref[i] == '\0' || lower((unsigned char)w[i]) != lower((unsigned char)ref[i]))
			return false;
	}
	return ref[wlen] == '\0';
}

static bool in_list(const char *w, size_t wlen, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (word_equal_nocase(w, wlen, list[i]))
			return true;
	}
	return false;
}

/* Where a name may end inside a line: "Jane Doe | Engineer", "Jane Doe, PhD", "Jane Doe • Berlin". */
static size_t name_segment_end(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '|' || s[i] == ',' || s[i] == ';' || s[i] == '(' || s[i] == '\t')
			return i;
		if (i + 3 <= len && (memcmp(s + i, "\xE2\x80\xA2", 3) == 0 || memcmp(s + i, "\xE2\x80\x93", 3) == 0 ||
				     memcmp(s + i, "\xE2\x80\x94", 3) == 0))
			return i;
		if (i + 2 <= len && memcmp(s + i, "\xC2\xB7", 2) == 0)
			return i;
		if (i + 3 <= len && memcmp(s + i, " - ", 3) == 0)
			return i;
	}
	return len;
}

static void trim(const char **s, size_t *len)
{
	str_trim_set(s, len, " \t\r", " \t\r");
}

/* A CJK name: 2 to 8 characters, not all hiragana (that is a reading written over a name: "りれきしょ かくたろう"). */
static bool cjk_name(const char *s, size_t len)
{
	size_t i = 0, n = 0, kana = 0;
	uint32_t cp;

	while (i < len) {
		cp = utf8_next(s, len, &i);
		if (cp == ' ' || cp == 0x3000 || cp == 0x30FB)
			continue;
		if (!is_cjk(cp))
			return false;
		if (cp >= 0x3040 && cp <= 0x309F)
			kana++;
		n++;
	}
	return n >= 2 && n <= 8 && kana < n;
}

/*
 * A template's placeholder for the name ("[Your Name]", "[Type your name]",
 * "[您的姓名] | 个人履历"): the line starts with a bracketed field that
 * mentions a name. A blank form has no candidate name to find.
 */
static bool name_placeholder(const char *s, size_t n)
{
	static const char *const words[] = { "name", "姓名", "氏名", "名前", "nombre", "nom" };
	const char *close;
	size_t i, field;

	if (n < 3 || s[0] != '[' || !(close = memchr(s, ']', n)))
		return false;
	field = (size_t)(close - s);
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (str_find_nocase(s + 1, field - 1, words[i]) >= 0)
			return true;
	return false;
}

/* Checks one word of a Latin-script name; first says whether it is the first word. */
static bool name_word(const char *w, size_t wlen, bool first)
{
	size_t i = 0;
	uint32_t cp;
	bool letters = false;

	if (in_list(w, wlen, stop_words, ARRAY_SIZE(stop_words)))
		return false;
	if (!first && in_list(w, wlen, particles, ARRAY_SIZE(particles)))
		return true;
	if ((unsigned char)w[0] < 0x80 && !(w[0] >= 'A' && w[0] <= 'Z'))
		return false;
	while (i < wlen) {
		cp = utf8_next(w, wlen, &i);
		if (is_cjk(cp))
			return false; /* CJK names are cjk_name()'s */
		if (is_name_letter(cp)) {
			letters = true;
			continue;
		}
		if (cp == '\'' || cp == 0x2019 || cp == '-' || cp == '.')
			continue;
		return false;
	}
	return letters;
}

/* Finds the name part of a line; on success start and nlen get the segment. */
static bool name_candidate(const char *line, size_t len, const char **start, size_t *nlen)
{
	const char *s = line, *w;
	size_t n = len, i, wlen, words = 0;

	trim(&s, &n);
	if (n == 0)
		return false;
	if (in_list(s, n, headings, ARRAY_SIZE(headings)))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '@' || is_digit((unsigned char)s[i]) || s[i] == '/' || s[i] == ':')
			return false;
	}
	n = name_segment_end(s, n);
	trim(&s, &n);
	if (n < 2 || n > NAME_MAX_BYTES)
		return false;
	if (in_list(s, n, headings, ARRAY_SIZE(headings)))
		return false;
	if (cjk_name(s, n))
		goto found;
	i = 0;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		w = s + i;
		while (i < n && s[i] != ' ')
			i++;
		wlen = (size_t)(s + i - w);
		if (!name_word(w, wlen, words == 0))
			return false;
		words++;
	}
	if (words < 2 || words > 5)
		return false;
found:
	*start = s;
	*nlen = n;
	return true;
}

bool contact_looks_like_name(const char *line, size_t len)
{
	const char *s;
	size_t n;

	return name_candidate(line, len, &s, &n);
}

/* Labels a name line may start with ("Resume: Alex Wilber", "Name: Jane Doe"), compared without case. */
static const char *const name_labels[] = { "resume:", "résumé:", "cv:",	 "curriculum vitae:", "name:", "full name:",
					   "nom:",    "nombre:", "nome:" };

/* Skips a label and the spaces after it; returns whether there was one. */
static bool strip_name_label(const char **s, size_t *n)
{
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(name_labels); i++) {
		k = strlen(name_labels[i]);
		if (*n > k && strncasecmp(*s, name_labels[i], k) == 0) {
			*s += k;
			*n -= k;
			trim(s, n);
			return *n > 0;
		}
	}
	return false;
}

/*
 * A name written in capitals ("JOHN DOE") in title case ("John Doe"): each
 * ASCII letter after a letter goes to lower case. Names with any lower-case
 * letter ("John McDonald") or beyond ASCII are kept as written.
 */
static char *name_copy(const char *s, size_t n)
{
	char *out = xstrndup(s, n);
	size_t i;
	bool upper = false;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80 || (s[i] >= 'a' && s[i] <= 'z'))
			return out;
		if (s[i] >= 'A' && s[i] <= 'Z' && i > 0 && s[i - 1] >= 'A' && s[i - 1] <= 'Z')
			upper = true;
	}
	if (!upper)
		return out;
	for (i = 1; i < n; i++) {
		if (is_alpha((unsigned char)out[i - 1]) && is_alpha((unsigned char)out[i]))
			out[i] = (char)lower((unsigned char)out[i]);
	}
	return out;
}

static void find_name(const char *text, size_t len, struct contact *c)
{
	size_t i = 0, end, lines = 0;
	const char *s;
	size_t n;

	while (i < len && lines < NAME_SCAN_LINES) {
		end = i;
		while (end < len && text[end] != '\n')
			end++;
		s = text + i;
		n = end - i;
		trim(&s, &n);
		if (n) {
			lines++;
			if (name_placeholder(s, n))
				return;
			if (name_candidate(s, n, &s, &n) ||
			    (strip_name_label(&s, &n) && name_candidate(s, n, &s, &n))) {
				c->name = name_copy(s, n);
				return;
			}
		}
		i = end + 1;
	}
}

/* Adds item (copied) unless a stored one has the same key; keys are compared by the caller-supplied function. */
static void add_item(char **list, size_t *n, size_t max, const char *item, size_t len,
		     void (*key)(const char *, size_t, char *, size_t))
{
	char k1[CONTACT_MAX_ITEM_BYTES + 1], k2[CONTACT_MAX_ITEM_BYTES + 1];
	size_t i;

	if (*n >= max || len == 0 || len > CONTACT_MAX_ITEM_BYTES)
		return;
	key(item, len, k1, sizeof(k1));
	for (i = 0; i < *n; i++) {
		key(list[i], strlen(list[i]), k2, sizeof(k2));
		if (strcmp(k1, k2) == 0)
			return;
	}
	list[(*n)++] = xstrndup(item, len);
}

static void key_lower(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < len && i + 1 < outlen; i++)
		out[i] = (char)lower((unsigned char)s[i]);
	out[i] = '\0';
}

static void key_digits(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < outlen; i++) {
		if (is_digit((unsigned char)s[i]))
			out[o++] = s[i];
	}
	out[o] = '\0';
}

static void key_link(const char *s, size_t len, char *out, size_t outlen)
{
	if (len >= 8 && strncasecmp(s, "https://", 8) == 0) {
		s += 8;
		len -= 8;
	} else if (len >= 7 && strncasecmp(s, "http://", 7) == 0) {
		s += 7;
		len -= 7;
	}
	if (len >= 4 && strncasecmp(s, "www.", 4) == 0) {
		s += 4;
		len -= 4;
	}
	while (len && s[len - 1] == '/')
		len--;
	key_lower(s, len, out, outlen);
}

static bool email_local_char(unsigned char ch)
{
	return is_alnum(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}

static bool domain_char(unsigned char ch)
{
	return is_alnum(ch) || ch == '.' || ch == '-';
}

static void find_emails(const char *text, size_t len, struct contact *c)
{
	char tmp[CONTACT_MAX_ITEM_BYTES + 1];
	size_t i, l, r, dot, k, n;

	for (i = 0; i < len && c->n_emails < CONTACT_MAX_EMAILS; i++) {
		if (text[i] != '@')
			continue;
		l = i;
		while (l > 0 && email_local_char((unsigned char)text[l - 1]))
			l--;
		while (l < i && text[l] == '.')
			l++;
		r = i + 1;
		while (r < len && domain_char((unsigned char)text[r]))
			r++;
		while (r > i + 1 && (text[r - 1] == '.' || text[r - 1] == '-'))
			r--;
		if (l == i || r == i + 1 || r - l > CONTACT_MAX_ITEM_BYTES)
			continue;
		dot = 0;
		for (k = i + 1; k < r; k++) {
			if (text[k] == '.')
				dot = k;
		}
		if (!dot || dot == i + 1 || r - dot - 1 < 2)
			continue;
		for (k = dot + 1; k < r && is_alpha((unsigned char)text[k]); k++)
			;
		if (k != r)
			continue;
		n = r - l;
		key_lower(text + l, n, tmp, sizeof(tmp));
		add_item(c->emails, &c->n_emails, CONTACT_MAX_EMAILS, tmp, n, key_lower);
		i = r - 1;
	}
}

static bool is_year(const char *s, size_t n)
{
	return n == 4 && ((s[0] == '1' && s[1] == '9') || (s[0] == '2' && s[1] == '0'));
}

/*
 * Parses a phone number starting at text[i]. Returns its end (exclusive)
 * or 0 when there is none. Groups of digits joined by one space, '-' or
 * '.', optionally a leading '+' and parenthesised groups.
 */
static size_t parse_phone(const char *text, size_t len, size_t i)
{
	size_t p = i, digits = 0, groups = 0, years = 0, g, end = 0;
	bool plus = false, paren;

	if (text[p] == '+') {
		plus = true;
		p++;
	}
	for (;;) {
		paren = false;
		if (p < len && text[p] == '(') {
			paren = true;
			p++;
			/* "(+82) 10-9030-1843": the country code in parentheses. */
			if (groups == 0 && !plus && p < len && text[p] == '+') {
				plus = true;
				p++;
			}
		}
		/* A postcode before the number ("CA 94588 (555) 123-4567") is not part of it. */
		if (paren && groups == 1 && !plus && digits >= 4)
			return 0;
		g = p;
		while (p < len && is_digit((unsigned char)text[p]))
			p++;
		if (p == g || p - g > 12)
			return 0;
		if (is_year(text + g, p - g))
			years++;
		digits += p - g;
		groups++;
		if (paren) {
			if (p >= len || text[p] != ')')
				return 0;
			p++;
		}
		end = p;
		if (p >= len)
			break;
		if (paren && (is_digit((unsigned char)text[p]) || text[p] == ' ')) {
			if (text[p] == ' ')
				p++;
			if (p < len && (is_digit((unsigned char)text[p]) || text[p] == '('))
				continue;
			break;
		}
		if ((text[p] == ' ' || text[p] == '-' || text[p] == '.') && p + 1 < len &&
		    (is_digit((unsigned char)text[p + 1]) || text[p + 1] == '(')) {
			p++;
			continue;
		}
		/* Two hyphens, as a word processor's hyphen glyphs come out: "555--5555". */
		if (text[p] == '-' && p + 2 < len && text[p + 1] == '-' && is_digit((unsigned char)text[p + 2])) {
			p += 2;
			continue;
		}
		break;
	}
	if (end < len && (is_alnum((unsigned char)text[end]) || text[end] == '@'))
		return 0;
	if (digits > 15 || digits < (plus ? 8u : 10u))
		return 0;
	if (groups >= 2 && years == groups)
		return 0;
	if (groups == 1 && !plus && digits > 11)
		return 0;
	return end;
}

static void find_phones(const char *text, size_t len, struct contact *c)
{
	size_t i, end;
	unsigned char prev;

	for (i = 0; i < len && c->n_phones < CONTACT_MAX_PHONES; i++) {
		if (!(text[i] == '+' || text[i] == '(' || is_digit((unsigned char)text[i])))
			continue;
		prev = i ? (unsigned char)text[i - 1] : ' ';
		if (is_alnum(prev) || prev == '/' || prev == '.' || prev == '-' || prev == '_' || prev == '@' ||
		    prev == '=' || prev == '+' || prev == '#') {
			continue;
		}
		end = parse_phone(text, len, i);
		if (!end) {
			while (i + 1 < len && (is_digit((unsigned char)text[i + 1]) || text[i + 1] == '('))
				i++;
			continue;
		}
		add_item(c->phones, &c->n_phones, CONTACT_MAX_PHONES, text + i, end - i, key_digits);
		i = end - 1;
	}
}

static bool url_char(unsigned char ch)
{
	return ch > ' ' && ch != '<' && ch != '>' && ch != '"' && ch != '\'' && ch != '(' && ch != ')' && ch != '[' &&
	       ch != ']' && ch != '{' && ch != '}' && ch != '|' && ch != '\\' && ch != '^' && ch != '`' && ch < 0x80;
}

static size_t url_end(const char *text, size_t len, size_t p)
{
	while (p < len && url_char((unsigned char)text[p]))
		p++;
	return p;
}

static size_t strip_url_tail(const char *text, size_t start, size_t end)
{
	while (end > start && strchr(".,;:!?*", text[end - 1]))
		end--;
	return end;
}

static bool host_is(const char *host, size_t hlen, const char *domain)
{
	size_t dlen = strlen(domain);

	if (hlen < dlen || strncasecmp(host + hlen - dlen, domain, dlen) != 0)
		return false;
	return hlen == dlen || host[hlen - dlen - 1] == '.';
}

/* A bare "linkedin.com/in/x" or "github.com/x" starting at text[i]; returns its end or 0. */
static size_t bare_profile_link(const char *text, size_t len, size_t i)
{
	size_t p = i, end;

	while (p < len && domain_char((unsigned char)text[p]))
		p++;
	if (p >= len || text[p] != '/')
		return 0;
	if (!host_is(text + i, p - i, "linkedin.com") && !host_is(text + i, p - i, "github.com"))
		return 0;
	end = strip_url_tail(text, i, url_end(text, len, p));
	while (end > p && text[end - 1] == '/')
		end--;
	return end > p + 1 ? end : 0;
}

static void find_links(const char *text, size_t len, struct contact *c)
{
	char tmp[CONTACT_MAX_ITEM_BYTES + 1];
	size_t i, end;
	unsigned char prev;
	int n;

	for (i = 0; i < len && c->n_links < CONTACT_MAX_LINKS; i++) {
		prev = i ? (unsigned char)text[i - 1] : ' ';
		if (is_alnum(prev) || prev == '.' || prev == '/' || prev == '@' || prev == '-' ||
		    !is_alpha((unsigned char)text[i]))
			continue;
		if ((len - i >= 8 && strncasecmp(text + i, "https://", 8) == 0) ||
		    (len - i >= 7 && strncasecmp(text + i, "http://", 7) == 0)) {
			end = strip_url_tail(text, i, url_end(text, len, i));
			if (end - i > (text[i + 4] == ':' ? 7u : 8u) + 3)
				add_item(c->links, &c->n_links, CONTACT_MAX_LINKS, text + i, end - i, key_link);
			i = end ? end - 1 : i;
			continue;
		}
		end = bare_profile_link(text, len, i);
		if (!end)
			continue;
		n = snprintf(tmp, sizeof(tmp), "https://%.*s", (int)(end - i), text + i);
		if (n > 0 && (size_t)n < sizeof(tmp))
			add_item(c->links, &c->n_links, CONTACT_MAX_LINKS, tmp, (size_t)n, key_link);
		i = end - 1;
	}
}

void contact_extract(const char *text, size_t len, struct contact *c)
{
	find_name(text, len, c);
	find_emails(text, len, c);
	find_phones(text, len, c);
	find_links(text, len, c);
}
