/* docx_style: whether a Word run can be seen, from its own properties and those its styles, defaults and theme give it. */
#include "extract/docx_style.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "extract/extract_impl.h"

const char DOCX_W_NS[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
static const char A_NS[] = "http://schemas.openxmlformats.org/drawingml/2006/main";

#define THEME_COLORS 12
#define WHITE 0xFFFFFFu
/* Size of text whose size no level says (Word's default, 10 pt). */
#define DEFAULT_SZ 20

enum style_type { STYLE_OTHER, STYLE_PARAGRAPH, STYLE_CHARACTER };

struct style {
	char *id;
	char *based_on; /* as written; resolved into parent after loading */
	int parent;	/* index, -1 none */
	enum style_type type;
	bool is_default;
	struct docx_rpr rpr;
	struct docx_color pshd; /* paragraph shading */
};

struct docx_styles {
	struct style *v;
	size_t n, cap;
	int *by_id; /* indices sorted by id, then by position */
	struct docx_rpr defaults;
	struct docx_color default_pshd;
	int default_par, default_char; /* indices, -1 none */
	uint32_t theme[THEME_COLORS];
};

/* Office's default theme, in the order of the scheme: dk1 lt1 dk2 lt2 accent1..6 hlink folHlink. */
static const uint32_t office_theme[THEME_COLORS] = { 0x000000, 0xFFFFFF, 0x44546A, 0xE7E6E6, 0x4472C4, 0xED7D31,
						     0xA5A5A5, 0xFFC000, 0x5B9BD5, 0x70AD47, 0x0563C1, 0x954F72 };
static const char *const scheme_names[THEME_COLORS] = { "dk1",	   "lt1",     "dk2",	 "lt2",
							"accent1", "accent2", "accent3", "accent4",
							"accent5", "accent6", "hlink",	 "folHlink" };

/* w:themeColor values (ST_ThemeColor) and the scheme colour each means. */
static const struct {
	const char *name;
	int index;
} theme_names[] = {
	{ "dark1", 0 },	      { "light1", 1 },	{ "dark2", 2 },	      { "light2", 3 },
	{ "accent1", 4 },     { "accent2", 5 }, { "accent3", 6 },     { "accent4", 7 },
	{ "accent5", 8 },     { "accent6", 9 }, { "hyperlink", 10 },  { "followedHyperlink", 11 },
	{ "background1", 1 }, { "text1", 0 },	{ "background2", 3 }, { "text2", 2 },
};

/* w:highlight values (ST_HighlightColor). */
static const struct {
	const char *name;
	uint32_t rgb;
} highlight_names[] = {
	{ "black", 0x000000 },	  { "blue", 0x0000FF },	      { "cyan", 0x00FFFF },	 { "green", 0x00FF00 },
	{ "magenta", 0xFF00FF },  { "red", 0xFF0000 },	      { "yellow", 0xFFFF00 },	 { "white", 0xFFFFFF },
	{ "darkBlue", 0x000080 }, { "darkCyan", 0x008080 },   { "darkGreen", 0x008000 }, { "darkMagenta", 0x800080 },
	{ "darkRed", 0x800000 },  { "darkYellow", 0x808000 }, { "darkGray", 0x808080 },	 { "lightGray", 0xC0C0C0 },
};

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void quiet_xml_errors(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void color_unset(struct docx_color *c)
{
	c->kind = DOCX_COLOR_UNSET;
	c->rgb = 0;
	c->theme = 0;
	c->tint = -1;
	c->shade = -1;
}

void docx_rpr_init(struct docx_rpr *p)
{
	p->vanish = p->spec_vanish = p->web_hidden = -1;
	p->sz = -1;
	p->rstyle = -1;
	color_unset(&p->color);
	color_unset(&p->shd);
	color_unset(&p->highlight);
}

void docx_ppr_init(struct docx_ppr *q)
{
	q->pstyle = -1;
	color_unset(&q->shd);
}

struct docx_styles *docx_styles_new(void)
{
	struct docx_styles *s = xcalloc(1, sizeof(*s));

	docx_rpr_init(&s->defaults);
	color_unset(&s->default_pshd);
	s->default_par = s->default_char = -1;
	memcpy(s->theme, office_theme, sizeof(s->theme));
	return s;
}

void docx_styles_free(struct docx_styles *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].based_on);
	}
	free(s->v);
	free(s->by_id);
	free(s);
}

/* ---- reading attributes ---- */

static bool in_ns(xmlTextReaderPtr rd, const char *ns)
{
	const xmlChar *u = xmlTextReaderConstNamespaceUri(rd);

	return u && strcmp((const char *)u, ns) == 0;
}

static bool is_el(xmlTextReaderPtr rd, const char *ns, const char *local)
{
	const xmlChar *name = xmlTextReaderConstLocalName(rd);

	return name && in_ns(rd, ns) && strcmp((const char *)name, local) == 0;
}

/* The attribute w:name (or, for DrawingML, the unqualified name) as a newly allocated string, or NULL; caller frees. */
static char *attr(xmlTextReaderPtr rd, const char *name, bool qualified)
{
	xmlChar *v = qualified ? xmlTextReaderGetAttributeNs(rd, (const xmlChar *)name, (const xmlChar *)DOCX_W_NS)
			       : xmlTextReaderGetAttribute(rd, (const xmlChar *)name);
	char *out;

	if (!v)
		return NULL;
	out = xstrdup((const char *)v);
	xmlFree(v);
	return out;
}

/* ST_OnOff: an absent w:val is on; "0", "false" and "off" are off; anything else is on. */
static int on_off(xmlTextReaderPtr rd)
{
	char *v = attr(rd, "val", true);
	int on = !(v && (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0));

	free(v);
	return on;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses exactly n hex digits; -1 when s is anything else. */
static long parse_hex(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (!s || strlen(s) != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (hex_digit(s[i]) < 0)
			return -1;
		v = v * 16 + hex_digit(s[i]);
	}
	return v;
}

static int theme_index(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(theme_names); i++) {
		if (strcmp(name, theme_names[i].name) == 0)
			return theme_names[i].index;
	}
	return -1;
}

/*
 * A colour from its attributes: the theme attribute (with its tint and
 * shade) wins over the plain one, as in Word; "auto" is AUTO; anything
 * unreadable leaves c unset.
 */
static void read_color(xmlTextReaderPtr rd, struct docx_color *c, const char *val_name, const char *theme_name,
		       const char *tint_name, const char *shade_name)
{
	char *val = attr(rd, val_name, true), *theme = attr(rd, theme_name, true);
	char *tint = attr(rd, tint_name, true), *shade = attr(rd, shade_name, true);
	int ti = theme_index(theme);
	long rgb = parse_hex(val, 6);

	color_unset(c);
	if (ti >= 0) {
		c->kind = DOCX_COLOR_THEME;
		c->theme = ti;
		c->tint = (int)parse_hex(tint, 2);
		c->shade = (int)parse_hex(shade, 2);
	} else if (val && strcmp(val, "auto") == 0) {
		c->kind = DOCX_COLOR_AUTO;
	} else if (rgb >= 0) {
		c->kind = DOCX_COLOR_RGB;
		c->rgb = (uint32_t)rgb;
	}
	free(val);
	free(theme);
	free(tint);
	free(shade);
}

bool docx_shd_read(struct docx_color *shd, xmlTextReaderPtr rd)
{
	char *pattern;

	if (!is_el(rd, DOCX_W_NS, "shd"))
		return false;
	pattern = attr(rd, "val", true);
	if (pattern && strcmp(pattern, "nil") == 0)
		shd->kind = DOCX_COLOR_AUTO; /* no shading: says so, overriding a style's */
	else if (pattern && strcmp(pattern, "solid") == 0)
		read_color(rd, shd, "color", "themeColor", "themeTint", "themeShade");
	else
		read_color(rd, shd, "fill", "themeFill", "themeFillTint", "themeFillShade");
	free(pattern);
	return true;
}

/* ST_HpsMeasure: half-points, or a number with a unit ("1pt", "0.5mm"); -1 when unreadable. */
static int read_size(xmlTextReaderPtr rd)
{
	static const struct {
		const char *unit;
		double half_points;
	} units[] = {
		{ "pt", 2 }, { "pc", 24 }, { "pi", 24 }, { "in", 144 }, { "mm", 144 / 25.4 }, { "cm", 144 / 2.54 }
	};
	char *v = attr(rd, "val", true), *end = NULL;
	double d;
	size_t i;
	int out = -1;

	if (!v || !*v)
		goto out;
	d = strtod(v, &end);
	if (end == v || !(d >= 0 && d < 100000))
		goto out;
	if (*end) {
		for (i = 0; i < ARRAY_SIZE(units) && strcmp(end, units[i].unit) != 0; i++)
			;
		if (i == ARRAY_SIZE(units))
			goto out;
		d *= units[i].half_points;
	}
	out = (int)d;
out:
	free(v);
	return out;
}

static void read_highlight(xmlTextReaderPtr rd, struct docx_color *c)
{
	char *v = attr(rd, "val", true);
	size_t i;

	color_unset(c);
	if (v && strcmp(v, "none") == 0)
		c->kind = DOCX_COLOR_AUTO;
	for (i = 0; v && i < ARRAY_SIZE(highlight_names); i++) {
		if (strcmp(v, highlight_names[i].name) == 0) {
			c->kind = DOCX_COLOR_RGB;
			c->rgb = highlight_names[i].rgb;
		}
	}
	free(v);
}

static int find_attr_style(const struct docx_styles *s, xmlTextReaderPtr rd)
{
	char *v = attr(rd, "val", true);
	int i = v ? docx_styles_find(s, v) : -1;

	free(v);
	return i;
}

bool docx_rpr_read(const struct docx_styles *s, struct docx_rpr *p, xmlTextReaderPtr rd)
{
	const xmlChar *local = xmlTextReaderConstLocalName(rd);
	const char *name = (const char *)local;

	if (!name || !in_ns(rd, DOCX_W_NS))
		return false;
	if (strcmp(name, "vanish") == 0)
		p->vanish = on_off(rd);
	else if (strcmp(name, "specVanish") == 0)
		p->spec_vanish = on_off(rd);
	else if (strcmp(name, "webHidden") == 0)
		p->web_hidden = on_off(rd);
	else if (strcmp(name, "sz") == 0)
		p->sz = read_size(rd);
	else if (strcmp(name, "color") == 0)
		read_color(rd, &p->color, "val", "themeColor", "themeTint", "themeShade");
	else if (strcmp(name, "shd") == 0)
		docx_shd_read(&p->shd, rd);
	else if (strcmp(name, "highlight") == 0)
		read_highlight(rd, &p->highlight);
	else if (strcmp(name, "rStyle") == 0)
		p->rstyle = find_attr_style(s, rd);
	else
		return false;
	return true;
}

bool docx_ppr_read(const struct docx_styles *s, struct docx_ppr *q, xmlTextReaderPtr rd)
{
	if (is_el(rd, DOCX_W_NS, "pStyle")) {
		q->pstyle = find_attr_style(s, rd);
		return true;
	}
	return docx_shd_read(&q->shd, rd);
}

/* ---- loading the parts ---- */

static xmlTextReaderPtr open_reader(const char *xml, size_t len)
{
	xmlSetGenericErrorFunc(NULL, quiet_xml_errors);
	return xmlReaderForMemory(xml ? xml : "", (int)len, NULL, NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
}

/* Reads the next node; 1 on an element or end, 0 at the end of the part, -1 (err set) when malformed or a DTD. */
static int next_node(xmlTextReaderPtr rd, const char *part, char *err, size_t errlen)
{
	int ret = xmlTextReaderRead(rd), type;

	if (ret < 0) {
		fail(err, errlen, "damaged DOCX: malformed XML in '%s'", part);
		return -1;
	}
	if (ret == 0)
		return 0;
	type = xmlTextReaderNodeType(rd);
	if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE) {
		fail(err, errlen, "DOCX part '%s' declares a DTD (refused)", part);
		return -1;
	}
	return 1;
}

static uint32_t scheme_color(xmlTextReaderPtr rd, uint32_t fallback)
{
	char *v = NULL;
	long rgb = -1;

	if (is_el(rd, A_NS, "srgbClr")) {
		v = attr(rd, "val", false);
		rgb = parse_hex(v, 6);
	} else if (is_el(rd, A_NS, "sysClr")) {
		v = attr(rd, "lastClr", false);
		rgb = parse_hex(v, 6);
		free(v);
		v = attr(rd, "val", false);
		if (rgb < 0 && v)
			rgb = strcmp(v, "window") == 0 ? (long)WHITE : strcmp(v, "windowText") == 0 ? 0 : -1;
	} else if (is_el(rd, A_NS, "prstClr")) {
		v = attr(rd, "val", false);
		rgb = v && strcmp(v, "white") == 0 ? (long)WHITE : v && strcmp(v, "black") == 0 ? 0 : -1;
	}
	free(v);
	return rgb >= 0 ? (uint32_t)rgb : fallback;
}

int docx_styles_load_theme(struct docx_styles *s, const char *xml, size_t len, char *err, size_t errlen)
{
	xmlTextReaderPtr rd = open_reader(xml, len);
	int ret, depth, slot = -1, slot_depth = -1, i, rc = -1;
	const xmlChar *name;

	if (!rd)
		return fail(err, errlen, "damaged DOCX: cannot parse 'word/theme/theme1.xml'");
	while ((ret = next_node(rd, "word/theme/theme1.xml", err, errlen)) == 1) {
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
			continue;
		depth = xmlTextReaderDepth(rd);
		if (slot >= 0 && depth == slot_depth + 1) {
			s->theme[slot] = scheme_color(rd, s->theme[slot]);
			continue;
		}
		slot = -1;
		name = xmlTextReaderConstLocalName(rd);
		for (i = 0; name && in_ns(rd, A_NS) && i < THEME_COLORS; i++) {
			if (strcmp((const char *)name, scheme_names[i]) == 0) {
				slot = i;
				slot_depth = depth;
			}
		}
	}
	rc = ret < 0 ? -1 : 0;
	xmlFreeTextReader(rd);
	return rc;
}

/* Applies every field p says onto acc (a nearer level overriding a farther one). */
static void rpr_over(struct docx_rpr *acc, const struct docx_rpr *p)
{
	if (p->vanish >= 0)
		acc->vanish = p->vanish;
	if (p->spec_vanish >= 0)
		acc->spec_vanish = p->spec_vanish;
	if (p->web_hidden >= 0)
		acc->web_hidden = p->web_hidden;
	if (p->sz >= 0)
		acc->sz = p->sz;
	if (p->color.kind != DOCX_COLOR_UNSET)
		acc->color = p->color;
	if (p->shd.kind != DOCX_COLOR_UNSET)
		acc->shd = p->shd;
	if (p->highlight.kind != DOCX_COLOR_UNSET)
		acc->highlight = p->highlight;
}

/* What a style element's children say, read into st (or into the defaults when st is NULL). */
struct style_reader {
	struct style *st;
	int rpr_depth, ppr_depth; /* depth of the open w:rPr / w:pPr whose children are properties; -1 */
};

static int style_compare(const void *a, const void *b, void *ctx)
{
	const struct docx_styles *s = ctx;
	int x = *(const int *)a, y = *(const int *)b, c = strcmp(s->v[x].id, s->v[y].id);

	return c ? c : (x > y) - (x < y);
}

static void style_add(struct docx_styles *s, xmlTextReaderPtr rd)
{
	struct style *st;
	char *type = attr(rd, "type", true), *def = attr(rd, "default", true);

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	st = &s->v[s->n++];
	memset(st, 0, sizeof(*st));
	st->id = attr(rd, "styleId", true);
	if (!st->id)
		st->id = xstrdup("");
	st->parent = -1;
	st->type = !type			    ? STYLE_OTHER
		   : strcmp(type, "paragraph") == 0 ? STYLE_PARAGRAPH
		   : strcmp(type, "character") == 0 ? STYLE_CHARACTER
						    : STYLE_OTHER;
	st->is_default = def && strcmp(def, "0") != 0 && strcmp(def, "false") != 0 && strcmp(def, "off") != 0;
	docx_rpr_init(&st->rpr);
	color_unset(&st->pshd);
	free(type);
	free(def);
}

/* Sorts the ids, resolves basedOn and finds the default styles. */
static void styles_index(struct docx_styles *s)
{
	size_t i;

	free(s->by_id);
	s->by_id = xmalloc((s->n ? s->n : 1) * sizeof(*s->by_id));
	for (i = 0; i < s->n; i++)
		s->by_id[i] = (int)i;
	qsort_r(s->by_id, s->n, sizeof(*s->by_id), style_compare, s);
	for (i = 0; i < s->n; i++) {
		struct style *st = &s->v[i];

		st->parent = st->based_on ? docx_styles_find(s, st->based_on) : -1;
		if (st->is_default && st->type == STYLE_PARAGRAPH && s->default_par < 0)
			s->default_par = (int)i;
		if (st->is_default && st->type == STYLE_CHARACTER && s->default_char < 0)
			s->default_char = (int)i;
	}
}

int docx_styles_load(struct docx_styles *s, const char *xml, size_t len, char *err, size_t errlen)
{
	static const char part[] = "word/styles.xml";
	xmlTextReaderPtr rd = open_reader(xml, len);
	struct docx_ppr ppr;
	struct docx_rpr *rpr;
	int ret, depth, style_depth = -1, rpr_depth = -1, ppr_depth = -1, defaults_depth = -1, rc = -1;
	struct style *st = NULL;

	if (!rd)
		return fail(err, errlen, "damaged DOCX: cannot parse '%s'", part);
	while ((ret = next_node(rd, part, err, errlen)) == 1) {
		depth = xmlTextReaderDepth(rd);
		if (xmlTextReaderNodeType(rd) == XML_READER_TYPE_END_ELEMENT) {
			if (depth == rpr_depth)
				rpr_depth = -1;
			if (depth == ppr_depth)
				ppr_depth = -1;
			if (depth == style_depth)
				style_depth = -1, st = NULL;
			if (depth == defaults_depth)
				defaults_depth = -1;
			continue;
		}
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
			continue;
		rpr = st ? &st->rpr : &s->defaults;
		if (rpr_depth >= 0 && depth == rpr_depth + 1) {
			docx_rpr_read(NULL, rpr, rd);
			rpr->rstyle = -1;
		} else if (ppr_depth >= 0 && depth == ppr_depth + 1) {
			docx_ppr_init(&ppr);
			if (docx_shd_read(&ppr.shd, rd))
				*(st ? &st->pshd : &s->default_pshd) = ppr.shd;
		} else if (is_el(rd, DOCX_W_NS, "style") && style_depth < 0 && defaults_depth < 0) {
			if (s->n >= DOCX_MAX_STYLES) {
				ret = fail(err, errlen, "DOCX has more than %d styles (refused)", DOCX_MAX_STYLES);
				break;
			}
			style_add(s, rd);
			st = &s->v[s->n - 1];
			style_depth = xmlTextReaderIsEmptyElement(rd) ? -1 : depth;
			if (style_depth < 0)
				st = NULL;
		} else if (is_el(rd, DOCX_W_NS, "docDefaults") && style_depth < 0 && !xmlTextReaderIsEmptyElement(rd)) {
			defaults_depth = depth;
		} else if (st && depth == style_depth + 1 && is_el(rd, DOCX_W_NS, "basedOn")) {
			free(st->based_on);
			st->based_on = attr(rd, "val", true);
		} else if ((st && depth == style_depth + 1) || (defaults_depth >= 0 && depth == defaults_depth + 2)) {
			/* a style's w:rPr / w:pPr, or w:rPrDefault/w:rPr and w:pPrDefault/w:pPr */
			if (xmlTextReaderIsEmptyElement(rd))
				continue;
			if (is_el(rd, DOCX_W_NS, "rPr"))
				rpr_depth = depth;
			else if (is_el(rd, DOCX_W_NS, "pPr"))
				ppr_depth = depth;
		}
	}
	if (ret == 0)
		rc = 0;
	styles_index(s);
	xmlFreeTextReader(rd);
	return rc;
}

size_t docx_styles_count(const struct docx_styles *s)
{
	return s ? s->n : 0;
}

int docx_styles_find(const struct docx_styles *s, const char *id)
{
	size_t lo = 0, hi, mid;

	if (!s || !s->by_id || !id)
		return -1;
	hi = s->n;
	while (lo < hi) { /* the first index whose id is not below id */
		mid = lo + (hi - lo) / 2;
		if (strcmp(s->v[s->by_id[mid]].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && strcmp(s->v[s->by_id[lo]].id, id) == 0 ? s->by_id[lo] : -1;
}

/* ---- judging a run ---- */

/* What a style says once its basedOn chain is applied (the style nearest to the run last); pshd likewise. */
static void chain_resolve(const struct docx_styles *s, int idx, struct docx_rpr *out, struct docx_color *pshd)
{
	int chain[DOCX_STYLE_MAX_CHAIN], n = 0;

	docx_rpr_init(out);
	color_unset(pshd);
	while (s && idx >= 0 && (size_t)idx < s->n && n < DOCX_STYLE_MAX_CHAIN) {
		chain[n++] = idx;
		idx = s->v[idx].parent;
	}
	while (n-- > 0) {
		rpr_over(out, &s->v[chain[n]].rpr);
		if (s->v[chain[n]].pshd.kind != DOCX_COLOR_UNSET)
			*pshd = s->v[chain[n]].pshd;
	}
}

static uint32_t color_rgb(const struct docx_styles *s, const struct docx_color *c)
{
	uint32_t rgb = c->rgb, out = 0, ch;
	int shift;

	if (c->kind != DOCX_COLOR_THEME)
		return rgb;
	rgb = s ? s->theme[c->theme] : office_theme[c->theme];
	for (shift = 16; shift >= 0; shift -= 8) {
		ch = (rgb >> shift) & 0xFF;
		if (c->tint >= 0)
			ch = 255 - (255 - ch) * (uint32_t)c->tint / 255;
		if (c->shade >= 0)
			ch = ch * (uint32_t)c->shade / 255;
		out |= ch << shift;
	}
	return out;
}

static bool is_fill(const struct docx_color *c)
{
	return c->kind == DOCX_COLOR_RGB || c->kind == DOCX_COLOR_THEME;
}

static bool near(uint32_t a, uint32_t b)
{
	int shift, d;

	for (shift = 16; shift >= 0; shift -= 8) {
		d = (int)((a >> shift) & 0xFF) - (int)((b >> shift) & 0xFF);
		if (d > EXTRACT_CONTRAST_MIN || d < -EXTRACT_CONTRAST_MIN)
			return false;
	}
	return true;
}

enum docx_visibility docx_style_hidden(const struct docx_styles *s, const struct docx_where *w)
{
	struct docx_rpr eff, pst, rst;
	struct docx_color ppshd, rpshd;
	const struct docx_color *under = NULL;
	int pidx = w->par && w->par->pstyle >= 0 ? w->par->pstyle : s ? s->default_par : -1;
	int ridx = w->run && w->run->rstyle >= 0 ? w->run->rstyle : s ? s->default_char : -1;
	bool vanish;

	docx_rpr_init(&eff);
	if (s)
		rpr_over(&eff, &s->defaults);
	chain_resolve(s, pidx, &pst, &ppshd);
	chain_resolve(s, ridx, &rst, &rpshd);
	vanish = eff.vanish == 1;
	vanish ^= pst.vanish == 1;
	vanish ^= rst.vanish == 1;
	rpr_over(&eff, &pst);
	rpr_over(&eff, &rst);
	if (w->run)
		rpr_over(&eff, w->run);
	if (w->run && w->run->vanish >= 0)
		vanish = w->run->vanish == 1;
	if (vanish || eff.spec_vanish == 1 || eff.web_hidden == 1)
		return DOCX_HIDDEN_VANISH;
	if ((eff.sz >= 0 ? eff.sz : DEFAULT_SZ) < (int)(EXTRACT_HIDDEN_MAX_POINTS * 2))
		return DOCX_HIDDEN_TINY;
	if (!is_fill(&eff.color))
		return DOCX_SHOWN; /* auto or unsaid: Word draws it dark on light and light on dark */
	if (is_fill(&eff.shd))
		under = &eff.shd;
	else if (is_fill(&eff.highlight))
		under = &eff.highlight;
	else if (w->par && w->par->shd.kind != DOCX_COLOR_UNSET)
		under = &w->par->shd;
	else if (ppshd.kind != DOCX_COLOR_UNSET)
		under = &ppshd;
	else if (s && s->default_pshd.kind != DOCX_COLOR_UNSET)
		under = &s->default_pshd;
	if (under && !is_fill(under))
		under = NULL; /* "nil" or "auto" shading: nothing drawn */
	if (!under && is_fill(&w->cell_shd))
		under = &w->cell_shd;
	return near(color_rgb(s, &eff.color), under ? color_rgb(s, under) : WHITE) ? DOCX_HIDDEN_COLOR : DOCX_SHOWN;
}
