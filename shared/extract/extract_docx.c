/* extract_docx: Word (.docx/.dotx) text with libzip and libxml2's streaming reader, refusing zip bombs and keeping hidden runs out. */
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "base/util.h"
#include "extract/docx_style.h"
#include "extract/extract_impl.h"

/* Bounds on what a Word file may make us inflate and parse. */
#define DOCX_MAX_ENTRIES 5000
#define DOCX_MAX_PART_BYTES (16u << 20)
#define DOCX_MAX_TOTAL_BYTES (32u << 20)
#define DOCX_MAX_HEADER_PARTS 6
/* Paragraphs, runs and cells nested deeper than this (text boxes in tables in text boxes) count as their outer one. */
#define DOCX_MAX_NEST 16

struct docx {
	zip_t *za;
	size_t inflated; /* bytes inflated so far, all parts */
	struct extract_result *r;
	struct extract_norm *n;
	struct docx_styles *styles;
	struct extract_hidden hidden;
};

/* The open paragraphs, runs and table cells of a part, innermost last, each with the depth of its element. */
struct nest {
	struct {
		int depth;
		struct docx_ppr ppr;
	} p[DOCX_MAX_NEST];
	struct {
		int depth;
		struct docx_rpr rpr;
		int decided; /* -1: judge again before its next text; else whether it is hidden */
	} r[DOCX_MAX_NEST];
	struct {
		int depth;
		struct docx_color shd;
	} tc[DOCX_MAX_NEST];
	int np, nr, ntc;
	int ppr_depth, rpr_depth, tcpr_depth; /* the open w:pPr, w:rPr, w:tcPr of the innermost ones; -1 */
};

static void quiet_xml_errors(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/*
 * Inflates one part into out, refusing to go past the per-part and total
 * bounds whatever the archive declares. Returns 0, or -1 with r's reason set.
 */
static int read_part(struct docx *d, zip_int64_t index, const char *name, struct buf *out)
{
	zip_stat_t st;
	zip_file_t *zf = NULL;
	char chunk[65536];
	zip_int64_t got;
	int ret = -1;

	zip_stat_init(&st);
	if (zip_stat_index(d->za, (zip_uint64_t)index, 0, &st) < 0) {
		extract_set_reason(d->r, EXTRACT_FAILED, "damaged DOCX: cannot read '%s'", name);
		goto out;
	}
	if ((st.valid & ZIP_STAT_SIZE) && st.size > DOCX_MAX_PART_BYTES) {
		extract_set_reason(d->r, EXTRACT_FAILED, "zip bomb: '%s' expands to %llu bytes (limit %u)", name,
				   (unsigned long long)st.size, DOCX_MAX_PART_BYTES);
		goto out;
	}
	zf = zip_fopen_index(d->za, (zip_uint64_t)index, 0);
	if (!zf) {
		extract_set_reason(d->r, EXTRACT_FAILED, "damaged DOCX: cannot open '%s': %s", name,
				   zip_strerror(d->za));
		goto out;
	}
	for (;;) {
		got = zip_fread(zf, chunk, sizeof(chunk));
		if (got < 0) {
			extract_set_reason(d->r, EXTRACT_FAILED, "damaged DOCX: cannot inflate '%s': %s", name,
					   zip_file_strerror(zf));
			goto out;
		}
		if (got == 0)
			break;
		d->inflated += (size_t)got;
		if (out->len + (size_t)got > DOCX_MAX_PART_BYTES || d->inflated > DOCX_MAX_TOTAL_BYTES) {
			extract_set_reason(d->r, EXTRACT_FAILED, "zip bomb: '%s' expands beyond %u bytes", name,
					   DOCX_MAX_PART_BYTES);
			goto out;
		}
		buf_append(out, chunk, (size_t)got);
	}
	ret = 0;
out:
	if (zf)
		zip_fclose(zf);
	return ret;
}

static bool is_w(xmlTextReaderPtr rd, const char *local)
{
	const xmlChar *ns = xmlTextReaderConstNamespaceUri(rd);
	const xmlChar *name = xmlTextReaderConstLocalName(rd);

	return ns && name && strcmp((const char *)ns, DOCX_W_NS) == 0 && strcmp((const char *)name, local) == 0;
}

/* Opens a paragraph, run or cell at depth (empty elements hold nothing and are not opened). */
static void nest_open(struct nest *t, xmlTextReaderPtr rd, int depth)
{
	if (xmlTextReaderIsEmptyElement(rd))
		return;
	if (is_w(rd, "p") && t->np < DOCX_MAX_NEST) {
		t->p[t->np].depth = depth;
		docx_ppr_init(&t->p[t->np++].ppr);
	} else if (is_w(rd, "r") && t->nr < DOCX_MAX_NEST) {
		t->r[t->nr].depth = depth;
		t->r[t->nr].decided = -1;
		docx_rpr_init(&t->r[t->nr++].rpr);
	} else if (is_w(rd, "tc") && t->ntc < DOCX_MAX_NEST) {
		t->tc[t->ntc].depth = depth;
		t->tc[t->ntc++].shd.kind = DOCX_COLOR_UNSET;
	} else if (is_w(rd, "pPr") && t->np && depth == t->p[t->np - 1].depth + 1) {
		t->ppr_depth = depth;
	} else if (is_w(rd, "rPr") && t->nr && depth == t->r[t->nr - 1].depth + 1) {
		t->rpr_depth = depth;
	} else if (is_w(rd, "tcPr") && t->ntc && depth == t->tc[t->ntc - 1].depth + 1) {
		t->tcpr_depth = depth;
	}
}

static void nest_close(struct nest *t, int depth)
{
	if (t->np && t->p[t->np - 1].depth == depth)
		t->np--;
	if (t->nr && t->r[t->nr - 1].depth == depth)
		t->nr--;
	if (t->ntc && t->tc[t->ntc - 1].depth == depth)
		t->ntc--;
	if (t->ppr_depth == depth)
		t->ppr_depth = -1;
	if (t->rpr_depth == depth)
		t->rpr_depth = -1;
	if (t->tcpr_depth == depth)
		t->tcpr_depth = -1;
}

/* Reads a property of the innermost paragraph, run or cell; returns whether the element was one. */
static bool nest_property(struct nest *t, const struct docx_styles *s, xmlTextReaderPtr rd, int depth)
{
	if (t->rpr_depth >= 0 && depth == t->rpr_depth + 1) {
		if (docx_rpr_read(s, &t->r[t->nr - 1].rpr, rd))
			t->r[t->nr - 1].decided = -1;
		return true;
	}
	if (t->ppr_depth >= 0 && depth == t->ppr_depth + 1) {
		docx_ppr_read(s, &t->p[t->np - 1].ppr, rd);
		return true;
	}
	if (t->tcpr_depth >= 0 && depth == t->tcpr_depth + 1) {
		docx_shd_read(&t->tc[t->ntc - 1].shd, rd);
		return true;
	}
	return false;
}

/* Whether what the innermost run holds is hidden (outside a run: no). */
static bool nest_hidden(struct nest *t, const struct docx_styles *s)
{
	struct docx_where w;

	if (!t->nr)
		return false;
	if (t->r[t->nr - 1].decided < 0) {
		w.run = &t->r[t->nr - 1].rpr;
		w.par = t->np ? &t->p[t->np - 1].ppr : NULL;
		w.cell_shd.kind = DOCX_COLOR_UNSET;
		if (t->ntc)
			w.cell_shd = t->tc[t->ntc - 1].shd;
		t->r[t->nr - 1].decided = docx_style_hidden(s, &w) != DOCX_SHOWN;
	}
	return t->r[t->nr - 1].decided == 1;
}

/*
 * Walks one WordprocessingML part: w:t text, w:tab, w:br, paragraphs,
 * table cells and rows; what a hidden run holds goes to d->hidden instead.
 */
static int parse_part(struct docx *d, const char *name, const struct buf *xml)
{
	xmlTextReaderPtr rd;
	const xmlChar *value;
	struct nest *t = xcalloc(1, sizeof(*t));
	int type, ret, depth, in_t = 0, rc = -1;

	t->ppr_depth = t->rpr_depth = t->tcpr_depth = -1;
	rd = xmlReaderForMemory(xml->ptr ? xml->ptr : "", (int)xml->len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!rd) {
		extract_set_reason(d->r, EXTRACT_FAILED, "damaged DOCX: cannot parse '%s'", name);
		free(t);
		return -1;
	}
	while ((ret = xmlTextReaderRead(rd)) == 1) {
		type = xmlTextReaderNodeType(rd);
		depth = xmlTextReaderDepth(rd);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE) {
			extract_set_reason(d->r, EXTRACT_FAILED, "DOCX part '%s' declares a DTD (refused)", name);
			goto out;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			if (nest_property(t, d->styles, rd, depth))
				continue;
			nest_open(t, rd, depth);
			if (is_w(rd, "t"))
				in_t = !xmlTextReaderIsEmptyElement(rd);
			else if (is_w(rd, "tab") || is_w(rd, "ptab"))
				nest_hidden(t, d->styles) ? extract_hidden_char(&d->hidden, " ", 1, ' ')
							  : extract_norm_space(d->n);
			else if (is_w(rd, "br") || is_w(rd, "cr"))
				nest_hidden(t, d->styles) ? extract_hidden_char(&d->hidden, " ", 1, ' ')
							  : extract_norm_break(d->n, 1);
			else if (is_w(rd, "noBreakHyphen"))
				nest_hidden(t, d->styles) ? extract_hidden_char(&d->hidden, "-", 1, '-')
							  : extract_norm_text(d->n, "-", 1);
			else if (xmlTextReaderIsEmptyElement(rd) && (is_w(rd, "p") || is_w(rd, "tr")))
				extract_norm_break(d->n, 1);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			nest_close(t, depth);
			if (is_w(rd, "t"))
				in_t = 0;
			else if (is_w(rd, "p") || is_w(rd, "tr"))
				extract_norm_break(d->n, 1);
			else if (is_w(rd, "tc"))
				extract_norm_space(d->n);
		} else if (in_t && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
				    type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA)) {
			value = xmlTextReaderConstValue(rd);
			if (!value)
				continue;
			if (nest_hidden(t, d->styles))
				extract_hidden_text(&d->hidden, (const char *)value, strlen((const char *)value));
			else
				extract_norm_text(d->n, (const char *)value, strlen((const char *)value));
		}
	}
	if (ret < 0) {
		extract_set_reason(d->r, EXTRACT_FAILED, "damaged DOCX: malformed XML in '%s'", name);
		goto out;
	}
	rc = 0;
out:
	xmlFreeTextReader(rd);
	free(t);
	return rc;
}

static int read_and_parse(struct docx *d, zip_int64_t index, const char *name)
{
	struct buf xml = BUF_INIT(0);
	int ret;

	ret = read_part(d, index, name, &xml);
	if (ret == 0)
		ret = parse_part(d, name, &xml);
	buf_release(&xml);
	return ret;
}

/*
 * Loads word/theme/theme1.xml and word/styles.xml when the archive has
 * them; without them runs have only their own properties and Office's
 * theme. Returns 0, or -1 with r's reason set.
 */
static int load_styles(struct docx *d)
{
	static const char *const parts[] = { "word/theme/theme1.xml", "word/styles.xml" };
	struct buf xml = BUF_INIT(0);
	char err[256];
	zip_int64_t index;
	size_t i;
	int ret = 0;

	d->styles = docx_styles_new();
	for (i = 0; i < ARRAY_SIZE(parts) && ret == 0; i++) {
		index = zip_name_locate(d->za, parts[i], 0);
		if (index < 0)
			continue;
		buf_reset(&xml);
		ret = read_part(d, index, parts[i], &xml);
		if (ret == 0)
			ret = i == 0 ? docx_styles_load_theme(d->styles, xml.ptr, xml.len, err, sizeof(err))
				     : docx_styles_load(d->styles, xml.ptr, xml.len, err, sizeof(err));
		if (ret < 0 && d->r->status == EXTRACT_OK)
			extract_set_reason(d->r, EXTRACT_FAILED, "%s", err);
	}
	buf_release(&xml);
	return ret;
}

/* Whether name is word/headerN.xml or word/footerN.xml (kind = "header" or "footer"). */
static bool is_header_part(const char *name, const char *kind)
{
	char prefix[32];
	size_t plen, i;
	int k = snprintf(prefix, sizeof(prefix), "word/%s", kind);

	if (k < 0 || (size_t)k >= sizeof(prefix))
		return false;
	plen = (size_t)k;
	if (strncmp(name, prefix, plen) != 0)
		return false;
	for (i = plen; name[i] >= '0' && name[i] <= '9'; i++)
		;
	return i > plen && strcmp(name + i, ".xml") == 0;
}

/* Reads the headers or the footers (simple ones: their text, in archive order). */
static int parse_headers(struct docx *d, zip_int64_t entries, const char *kind)
{
	const char *name;
	zip_int64_t i;
	int done = 0;

	for (i = 0; i < entries && done < DOCX_MAX_HEADER_PARTS; i++) {
		name = zip_get_name(d->za, (zip_uint64_t)i, 0);
		if (!name || !is_header_part(name, kind))
			continue;
		if (read_and_parse(d, i, name) < 0)
			return -1;
		extract_norm_break(d->n, 2);
		done++;
	}
	return 0;
}

void extract_docx(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r)
{
	struct extract_norm n;
	struct docx d = { NULL, 0, r, &n, NULL, { 0, BUF_INIT(0), false } };
	zip_error_t zerr;
	zip_source_t *src = NULL;
	zip_int64_t entries, doc;

	extract_norm_init(&n, lim->max_text_bytes);
	extract_hidden_init(&d.hidden);
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet_xml_errors);
	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src) {
		extract_set_reason(r, EXTRACT_FAILED, "damaged DOCX: %s", zip_error_strerror(&zerr));
		goto out;
	}
	d.za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	if (!d.za) {
		extract_set_reason(r, EXTRACT_FAILED, "damaged DOCX: %s", zip_error_strerror(&zerr));
		goto out;
	}
	src = NULL; /* owned by the archive now */
	entries = zip_get_num_entries(d.za, 0);
	if (entries < 0 || entries > DOCX_MAX_ENTRIES) {
		extract_set_reason(r, EXTRACT_FAILED, "zip bomb: %lld entries (limit %d)", (long long)entries,
				   DOCX_MAX_ENTRIES);
		goto out;
	}
	doc = zip_name_locate(d.za, "word/document.xml", 0);
	if (doc < 0) {
		extract_set_reason(r, EXTRACT_FAILED, "unsupported file type: zip archive without word/document.xml");
		goto out;
	}
	r->page_count = 1;
	r->pages_read = 1;
	if (load_styles(&d) < 0 || parse_headers(&d, entries, "header") < 0 ||
	    read_and_parse(&d, doc, "word/document.xml") < 0)
		goto out;
	extract_norm_break(&n, 2);
	if (parse_headers(&d, entries, "footer") < 0)
		goto out;
	extract_hidden_flag(&d.hidden, r);
	extract_take_text(r, &n, lim, "no text");
out:
	if (d.za)
		zip_discard(d.za);
	zip_source_free(src);
	zip_error_fini(&zerr);
	docx_styles_free(d.styles);
	extract_hidden_release(&d.hidden);
	extract_norm_release(&n);
}
