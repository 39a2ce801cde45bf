/* Unit tests for filetype: PDF, DOCX and UTF-8 text sniffing, the reasons for unknown files, DOCX verification. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/buf.h"
#include "base/util.h"
#include "corpus.h"
#include "intake/filetype.h"
#include "suite.h"

struct sniff_case {
	const char *what;
	const char *data;
	size_t len; /* 0: strlen(data) */
	bool whole;
	enum filetype want;
	const char *why; /* for unknown: exact reason */
};

#define ZIP_HDR(n) \
	"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" n \
	"\x00\x00"
#define MZ "MZ\x90\x00\x03\x00\x00\x00\x04\x00"

static const struct sniff_case sniff_cases[] = {
	{ "pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", 0, true, FILETYPE_PDF, NULL },
	{ "pdf after junk", "junk\x00\x01 before %PDF-1.4\n", 23, true, FILETYPE_PDF, NULL },
	{ "pdf header without version digit is not a pdf", "%PDF-x and text", 0, true, FILETYPE_TEXT, NULL },
	{ "docx, [Content_Types].xml first", ZIP_HDR("\x13\x00") "[Content_Types].xml", 30 + 19, true, FILETYPE_DOCX,
	  NULL },
	{ "docx, _rels/.rels first", ZIP_HDR("\x0b\x00") "_rels/.rels", 30 + 11, true, FILETYPE_DOCX, NULL },
	{ "docx, word/ entry first", ZIP_HDR("\x11\x00") "word/document.xml", 30 + 17, true, FILETYPE_DOCX, NULL },
	{ "docx, docProps/ entry first", ZIP_HDR("\x10\x00") "docProps/app.xml", 30 + 16, true, FILETYPE_DOCX, NULL },
	{ "odt is a zip but not docx", ZIP_HDR("\x08\x00") "mimetypeapplication/vnd.oasis", 30 + 29, true,
	  FILETYPE_UNKNOWN, "a ZIP archive that is not a Word document (first entry 'mimetype')" },
	{ "xlsx is a zip but not docx", ZIP_HDR("\x0f\x00") "xl/workbook.xml", 30 + 15, true, FILETYPE_UNKNOWN,
	  "a ZIP archive that is not a Word document (first entry 'xl/workbook.xml')" },
	{ "entry name with odd bytes shown escaped", ZIP_HDR("\x04\x00") "a'\x01\xff", 30 + 4, true, FILETYPE_UNKNOWN,
	  "a ZIP archive that is not a Word document (first entry 'a\\x27\\x01\\xff')" },
	{ "zip header cut short, whole file", ZIP_HDR("\x13\x00") "[Content", 30 + 8, true, FILETYPE_UNKNOWN,
	  "truncated ZIP archive" },
	{ "zip header cut short, prefix", ZIP_HDR("\x13\x00") "[Content", 30 + 8, false, FILETYPE_UNKNOWN,
	  "too few bytes to tell the ZIP entry" },
	{ "tiny zip", "PK\x03\x04\x14\x00", 6, true, FILETYPE_UNKNOWN, "truncated ZIP archive" },
	{ "ascii text", "Jane Doe\r\nEngineer\tLondon\f\n", 0, true, FILETYPE_TEXT, NULL },
	{ "utf-8 with BOM",
	  "\xef\xbb\xbf"
	  "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  0, true, FILETYPE_TEXT, NULL },
	{ "BOM only", "\xef\xbb\xbf", 0, true, FILETYPE_TEXT, NULL },
	{ "multi-byte cut by the end of a prefix", "Ren\xc3\xa9 \xe2\x82", 0, false, FILETYPE_TEXT, NULL },
	{ "multi-byte cut at the end of the whole file", "Ren\xc3\xa9 \xe2\x82", 0, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (invalid UTF-8 at byte 6)" },
	{ "latin-1 text", "caf\xe9 au lait", 0, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (invalid UTF-8 at byte 3)" },
	{ "overlong encoding", "a\xc0\xaf", 0, false, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (invalid UTF-8 at byte 1)" },
	{ "utf-16 surrogate", "ab\xed\xa0\x80", 0, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (invalid UTF-8 at byte 2)" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 0, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (invalid UTF-8 at byte 0)" },
	{ "NUL byte", "text\0more", 9, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (starts with 'text\\x00mor')" },
	{ "too many control characters", "a\x1b[31mred\x1b[0m\x1b[1m\x07", 0, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (starts with 'a\\x1b[31mre')" },
	{ "windows executable", MZ, 10, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (starts with 'MZ\\x90\\x00\\x03\\x00\\x00\\x00', a Windows executable)" },
	{ "legacy doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", 10, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (starts with '\\xd0\\xcf\\x11\\xe0\\xa1\\xb1\\x1a\\xe1', a legacy Word "
	  ".doc or "
	  "other OLE file)" },
	{ "png", "\x89PNG\r\n\x1a\n\x00", 9, true, FILETYPE_UNKNOWN,
	  "not a PDF, DOCX or UTF-8 text file (starts with '\\x89PNG\\x0d\\x0a\\x1a\\x0a', a PNG image)" },
	{ "rtf is text-like but named", "{\\rtf1\\ansi", 0, true, FILETYPE_TEXT, NULL },
	{ "empty", "", 0, true, FILETYPE_UNKNOWN, "empty file" },
};

START_TEST(test_sniff_table)
{
	const struct sniff_case *c = &sniff_cases[_i];
	size_t len = c->len ? c->len : strlen(c->data);
	char why[FILETYPE_REASON_MAX];
	enum filetype t = filetype_sniff(c->data, len, c->whole, why, sizeof(why));

	ck_assert_msg(t == c->want, "%s: got %s, want %s (%s)", c->what, filetype_name(t), filetype_name(c->want), why);
	if (c->want == FILETYPE_UNKNOWN)
		ck_assert_str_eq(why, c->why);
	else
		ck_assert_str_eq(why, "");
	/* why may be NULL. */
	ck_assert_int_eq(filetype_sniff(c->data, len, c->whole, NULL, 0), c->want);
}
END_TEST

START_TEST(test_pdf_header_window)
{
	static char p[2048];

	/* NUL padding keeps the file from passing as text. */
	memcpy(p + 1023, "%PDF-1.5", 8);
	ck_assert_int_eq(filetype_sniff(p, 2048, true, NULL, 0), FILETYPE_PDF);
	ck_assert_int_eq(filetype_sniff(p, 1029, false, NULL, 0), FILETYPE_PDF);
	/* The version digit must be there. */
	ck_assert_int_eq(filetype_sniff(p, 1028, false, NULL, 0), FILETYPE_UNKNOWN);
	memset(p, 0, 2048);
	memcpy(p + 1024, "%PDF-1.5", 8);
	ck_assert_int_eq(filetype_sniff(p, 2048, true, NULL, 0), FILETYPE_UNKNOWN);
	/* A false start before the real header. */
	memset(p, 0, 2048);
	memcpy(p + 10, "%PDF-%PDF-1.5", 13);
	ck_assert_int_eq(filetype_sniff(p, 2048, true, NULL, 0), FILETYPE_PDF);
}
END_TEST

START_TEST(test_text_prefix_longer_than_sniff_window)
{
	size_t n = FILETYPE_SNIFF_BYTES + 1000;
	char *p = xmalloc(n);

	memset(p, 'a', n);
	/* "é" straddles the end of the window: the whole file is fine, only the window cuts it. */
	memcpy(p + FILETYPE_SNIFF_BYTES - 1, "\xc3\xa9", 2);
	ck_assert_int_eq(filetype_sniff(p, n, true, NULL, 0), FILETYPE_TEXT);
	/* Garbage beyond the window is not looked at. */
	p[FILETYPE_SNIFF_BYTES + 10] = '\0';
	ck_assert_int_eq(filetype_sniff(p, n, true, NULL, 0), FILETYPE_TEXT);
	/* One control character in 100 bytes is fine, two are not. */
	memset(p, 'a', 100);
	p[50] = 0x1b;
	ck_assert_int_eq(filetype_sniff(p, 100, true, NULL, 0), FILETYPE_TEXT);
	p[51] = 0x1b;
	ck_assert_int_eq(filetype_sniff(p, 100, true, NULL, 0), FILETYPE_UNKNOWN);
	free(p);
}
END_TEST

START_TEST(test_mime_and_name)
{
	ck_assert_str_eq(filetype_mime(FILETYPE_PDF), "application/pdf");
	ck_assert_str_eq(filetype_mime(FILETYPE_DOCX),
			 "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	ck_assert_str_eq(filetype_mime(FILETYPE_TEXT), "text/plain; charset=utf-8");
	ck_assert_str_eq(filetype_mime(FILETYPE_UNKNOWN), "application/octet-stream");
	ck_assert_str_eq(filetype_name(FILETYPE_PDF), "pdf");
	ck_assert_str_eq(filetype_name(FILETYPE_DOCX), "docx");
	ck_assert_str_eq(filetype_name(FILETYPE_TEXT), "text");
	ck_assert_str_eq(filetype_name(FILETYPE_UNKNOWN), "unknown");
}
END_TEST

/* Builds a ZIP archive in memory with the given entries (name, content pairs); caller frees. */
static char *make_zip(const char *const *entries, size_t n, size_t *len)
{
	zip_error_t zerr;
	zip_source_t *mem;
	zip_stat_t st;
	zip_t *za;
	char *out;
	size_t i;

	zip_error_init(&zerr);
	mem = zip_source_buffer_create(NULL, 0, 0, &zerr);
	ck_assert_ptr_nonnull(mem);
	/* Keep the source alive after zip_close() so the written archive can be read back. */
	zip_source_keep(mem);
	za = zip_open_from_source(mem, ZIP_TRUNCATE, &zerr);
	ck_assert_ptr_nonnull(za);
	for (i = 0; i + 1 < n; i += 2) {
		zip_source_t *src = zip_source_buffer(za, entries[i + 1], strlen(entries[i + 1]), 0);

		ck_assert_ptr_nonnull(src);
		ck_assert_int_ge(zip_file_add(za, entries[i], src, ZIP_FL_ENC_UTF_8), 0);
	}
	ck_assert_int_eq(zip_close(za), 0);
	zip_stat_init(&st);
	ck_assert_int_eq(zip_source_stat(mem, &st), 0);
	out = xmalloc(st.size);
	ck_assert_int_eq(zip_source_open(mem), 0);
	ck_assert_int_eq(zip_source_read(mem, out, st.size), (zip_int64_t)st.size);
	zip_source_close(mem);
	zip_source_free(mem);
	zip_error_fini(&zerr);
	*len = st.size;
	return out;
}

START_TEST(test_docx_verify)
{
	static const char *const docx[] = { "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>" };
	static const char *const nodoc[] = { "[Content_Types].xml", "<Types/>", "word/styles.xml", "<w:styles/>" };
	char why[FILETYPE_REASON_MAX];
	size_t len;
	char *z;

	z = make_zip(docx, ARRAY_SIZE(docx), &len);
	ck_assert_int_eq(filetype_sniff(z, len, true, why, sizeof(why)), FILETYPE_DOCX);
	ck_assert_int_eq(filetype_docx_verify(z, len, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	/* A truncated archive loses its central directory. */
	ck_assert_int_eq(filetype_sniff(z, len / 2, false, NULL, 0), FILETYPE_DOCX);
	ck_assert_int_eq(filetype_docx_verify(z, len / 2, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "not a readable ZIP archive") != NULL, "%s", why);
	free(z);

	z = make_zip(nodoc, ARRAY_SIZE(nodoc), &len);
	ck_assert_int_eq(filetype_sniff(z, len, true, NULL, 0), FILETYPE_DOCX);
	ck_assert_int_eq(filetype_docx_verify(z, len, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "a ZIP archive without word/document.xml, not a Word document");
	free(z);

	ck_assert_int_eq(filetype_docx_verify("%PDF-1.4", 8, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "not a readable ZIP archive") != NULL, "%s", why);
	ck_assert_int_eq(filetype_docx_verify("", 0, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "empty file");
	ck_assert_int_eq(filetype_docx_verify("PK", 2, NULL, 0), -1);
}
END_TEST

static const char *corpus_dir(void)
{
	static char root[512];

	if (!root[0] && !corpus_path("", root, sizeof(root)))
		snprintf(root, sizeof(root), "../shared/corpus");
	return root;
}

/* Sniffs every file of a corpus folder whose name ends in one of the suffixes; returns how many. */
static int sniff_corpus(const char *sub, const char *const *suffixes, size_t nsuf, enum filetype want, bool verify)
{
	char path[1024];
	DIR *d;
	struct dirent *e;
	int count = 0;

	snprintf(path, sizeof(path), "%s/%s", corpus_dir(), sub);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		struct buf b = BUF_INIT(0);
		char chunk[65536], why[FILETYPE_REASON_MAX];
		size_t got, i, nl = strlen(e->d_name);
		FILE *f;
		bool match = false;

		for (i = 0; i < nsuf; i++) {
			size_t sl = strlen(suffixes[i]);

			if (nl > sl && strcmp(e->d_name + nl - sl, suffixes[i]) == 0)
				match = true;
		}
		if (!match)
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", corpus_dir(), sub, e->d_name);
		f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, got);
		fclose(f);
		/* Sniff as the upload handler does: the first bytes only. */
		ck_assert_msg(filetype_sniff(b.ptr, b.len < FILETYPE_SNIFF_BYTES ? b.len : FILETYPE_SNIFF_BYTES,
					     b.len <= FILETYPE_SNIFF_BYTES, why, sizeof(why)) == want,
			      "%s: not %s (%s)", e->d_name, filetype_name(want), why);
		if (verify)
			ck_assert_msg(filetype_docx_verify(b.ptr, b.len, why, sizeof(why)) == 0, "%s: %s", e->d_name,
				      why);
		buf_release(&b);
		count++;
	}
	closedir(d);
	return count;
}

START_TEST(test_corpus)
{
	static const char *const pdf[] = { ".pdf" };
	static const char *const docx[] = { ".docx", ".dotx" };
	static const char *const text[] = { ".txt", ".md", ".json" };
	int n;

	n = sniff_corpus("resumes/pdf", pdf, 1, FILETYPE_PDF, false);
	if (n < 0) {
		printf("skip: corpus not found at %s (set SHORTLIST_CORPUS)\n", corpus_dir());
		return;
	}
	ck_assert_int_gt(n, 0);
	ck_assert_int_gt(sniff_corpus("resumes/docx", docx, 2, FILETYPE_DOCX, true), 0);
	ck_assert_int_gt(sniff_corpus("resumes/txt", text, 3, FILETYPE_TEXT, false), 0);
	ck_assert_int_gt(sniff_corpus("job_descriptions", text, 3, FILETYPE_TEXT, false), 0);
	ck_assert_int_gt(sniff_corpus("job_descriptions", docx, 1, FILETYPE_DOCX, true), 0);
	ck_assert_int_gt(sniff_corpus("job_descriptions", pdf, 1, FILETYPE_PDF, false), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("filetype");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_sniff_table, 0, (int)ARRAY_SIZE(sniff_cases));
	tcase_add_test(tc, test_pdf_header_window);
	tcase_add_test(tc, test_text_prefix_longer_than_sniff_window);
	tcase_add_test(tc, test_mime_and_name);
	tcase_add_test(tc, test_docx_verify);
	tcase_add_test(tc, test_corpus);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
