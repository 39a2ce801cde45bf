/* libFuzzer harness: a Word file's document, styles and theme parts through the style resolver and the extractor. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "extract/docx_style.h"
#include "extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is word/document.xml, word/styles.xml and
 * word/theme/theme1.xml, separated by NUL bytes (XML holds none); a part
 * left out is left out of the archive too.
 */
struct parts {
	const char *p[3];
	size_t len[3];
	size_t n;
};

static void split(const uint8_t *data, size_t size, struct parts *out)
{
	size_t start = 0, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i <= size && out->n < 3; i++) {
		if (i == size || data[i] == 0) {
			out->p[out->n] = (const char *)data + start;
			out->len[out->n++] = i - start;
			start = i + 1;
		}
	}
}

/* The parts as a stored (uncompressed) zip archive in memory; returns malloc'd bytes and their length, or NULL. */
static unsigned char *make_zip(const struct parts *pt, size_t *len)
{
	static const char *const names[] = { "word/document.xml", "word/styles.xml", "word/theme/theme1.xml" };
	zip_source_t *src, *part;
	zip_error_t ze;
	zip_stat_t st;
	zip_t *za;
	zip_int64_t idx;
	unsigned char *out = NULL;
	size_t i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (!src)
		abort();
	zip_source_keep(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	if (!za)
		abort();
	for (i = 0; i < pt->n; i++) {
		part = zip_source_buffer(za, pt->p[i], pt->len[i], 0);
		idx = part ? zip_file_add(za, names[i], part, ZIP_FL_OVERWRITE) : -1;
		if (idx < 0 || zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) < 0)
			abort();
	}
	if (zip_close(za) < 0)
		abort();
	zip_stat_init(&st);
	if (zip_source_stat(src, &st) < 0 || zip_source_open(src) < 0)
		abort();
	out = malloc(st.size ? st.size : 1);
	if (!out || zip_source_read(src, out, st.size) != (zip_int64_t)st.size)
		abort();
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = st.size;
	return out;
}

static void check_result(const struct extract_result *r)
{
	const struct extract_flag *f = extract_result_flag(r, "hidden_text");

	if (!r->text || !r->reason || strlen(r->text) != r->text_len)
		abort();
	if (r->status == EXTRACT_OK && r->reason[0])
		abort();
	if (f && (f->count <= 0 || strlen(f->sample) > EXTRACT_FLAG_SAMPLE_BYTES))
		abort();
}

/* The styles alone: every loaded style, as paragraph and as character style, judged over a dark cell. */
static void check_styles(const struct parts *pt)
{
	struct docx_styles *s = docx_styles_new();
	struct docx_rpr rpr;
	struct docx_ppr ppr;
	struct docx_where w = { &rpr, &ppr, { DOCX_COLOR_RGB, 0x101010, 0, -1, -1 } };
	char err[256];
	int i, n;

	if (pt->n > 2 && docx_styles_load_theme(s, pt->p[2], pt->len[2], err, sizeof(err)) < 0 && !err[0])
		abort();
	if (pt->n > 1 && docx_styles_load(s, pt->p[1], pt->len[1], err, sizeof(err)) < 0 && !err[0])
		abort();
	docx_rpr_init(&rpr);
	docx_ppr_init(&ppr);
	docx_style_hidden(s, &w);
	n = (int)docx_styles_count(s);
	for (i = 0; i < n && i < 64; i++) {
		ppr.pstyle = i;
		rpr.rstyle = n - 1 - i;
		docx_style_hidden(s, &w);
	}
	docx_styles_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_limits lim;
	struct extract_result r;
	struct parts pt;
	unsigned char *zip;
	size_t zlen;

	split(data, size, &pt);
	check_styles(&pt);
	zip = make_zip(&pt, &zlen);
	extract_limits_default(&lim);
	extract_result_init(&r);
	extract_buffer_unsandboxed(zip, zlen, &lim, &r);
	check_result(&r);
	extract_result_release(&r);
	free(zip);
	return 0;
}
