/* extract_docx: Word (.docx/.dotx) text with libzip and libxml2's streaming reader, refusing zip bombs. */
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "extract/extract_impl.h"

/* Bounds on what a Word file may make us inflate and parse. */
#define DOCX_MAX_ENTRIES 5000
#define DOCX_MAX_PART_BYTES (16u << 20)
#define DOCX_MAX_TOTAL_BYTES (32u << 20)
#define DOCX_MAX_HEADER_PARTS 6

static const char W_NS[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

struct docx {
	zip_t *za;
	size_t inflated; /* bytes inflated so far, all parts */
	struct extract_result *r;
	struct extract_norm *n;
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

	return ns && name && strcmp((const char *)ns, W_NS) == 0 && strcmp((const char *)name, local) == 0;
}

/* Walks one WordprocessingML part: w:t text, w:tab, w:br, paragraphs, table cells and rows. */
static int parse_part(struct docx *d, const char *name, const struct buf *xml)
{
	xmlTextReaderPtr rd;
	const xmlChar *value;
	int type, ret, in_t = 0, rc = -1;

	rd = xmlReaderForMemory(xml->ptr ? xml->ptr : "", (int)xml->len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!rd) {
		extract_set_reason(d->r, EXTRACT_FAILED, "damaged DOCX: cannot parse '%s'", name);
		return -1;
	}
	while ((ret = xmlTextReaderRead(rd)) == 1) {
		type = xmlTextReaderNodeType(rd);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE) {
			extract_set_reason(d->r, EXTRACT_FAILED, "DOCX part '%s' declares a DTD (refused)", name);
			goto out;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			if (is_w(rd, "t"))
				in_t = !xmlTextReaderIsEmptyElement(rd);
			else if (is_w(rd, "tab") || is_w(rd, "ptab"))
				extract_norm_space(d->n);
			else if (is_w(rd, "br") || is_w(rd, "cr"))
				extract_norm_break(d->n, 1);
			else if (is_w(rd, "noBreakHyphen"))
				extract_norm_text(d->n, "-", 1);
			else if (xmlTextReaderIsEmptyElement(rd) && (is_w(rd, "p") || is_w(rd, "tr")))
				extract_norm_break(d->n, 1);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (is_w(rd, "t"))
				in_t = 0;
			else if (is_w(rd, "p") || is_w(rd, "tr"))
				extract_norm_break(d->n, 1);
			else if (is_w(rd, "tc"))
				extract_norm_space(d->n);
		} else if (in_t && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
				    type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA)) {
			value = xmlTextReaderConstValue(rd);
			if (value)
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
	struct docx d = { NULL, 0, r, &n };
	zip_error_t zerr;
	zip_source_t *src = NULL;
	zip_int64_t entries, doc;

	extract_norm_init(&n, lim->max_text_bytes);
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
	if (parse_headers(&d, entries, "header") < 0 || read_and_parse(&d, doc, "word/document.xml") < 0)
		goto out;
	extract_norm_break(&n, 2);
	if (parse_headers(&d, entries, "footer") < 0)
		goto out;
	extract_take_text(r, &n, lim, "no text");
out:
	if (d.za)
		zip_discard(d.za);
	zip_source_free(src);
	zip_error_fini(&zerr);
	extract_norm_release(&n);
}
