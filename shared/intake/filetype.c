/* filetype: what an uploaded file is, from its magic bytes and never from its name. */
#include "intake/filetype.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "base/util.h"

/* Readers accept a PDF header that starts anywhere in the first 1024 bytes. */
#define PDF_HEADER_WINDOW 1024

/* Signatures of common wrong files, only to make the reason helpful. */
static const struct {
	const char *magic;
	size_t len;
	const char *what;
} known[] = {
	{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "a legacy Word .doc or other OLE file" },
	{ "{\\rtf", 5, "an RTF document" },
	{ "\x89PNG", 4, "a PNG image" },
	{ "\xff\xd8\xff", 3, "a JPEG image" },
	{ "GIF8", 4, "a GIF image" },
	{ "MZ", 2, "a Windows executable" },
	{ "\x7f"
	  "ELF",
	  4, "an ELF executable" },
	{ "\x1f\x8b", 2, "a gzip file" },
	{ "\xff\xfe", 2, "UTF-16 text" },
	{ "\xfe\xff", 2, "UTF-16 text" },
	{ "PK\x05\x06", 4, "an empty ZIP archive" },
};

const char *filetype_mime(enum filetype t)
{
	switch (t) {
	case FILETYPE_PDF:
		return "application/pdf";
	case FILETYPE_DOCX:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
	case FILETYPE_TEXT:
		return "text/plain; charset=utf-8";
	case FILETYPE_UNKNOWN:
		break;
	}
	return "application/octet-stream";
}

const char *filetype_name(enum filetype t)
{
	switch (t) {
	case FILETYPE_PDF:
		return "pdf";
	case FILETYPE_DOCX:
		return "docx";
	case FILETYPE_TEXT:
		return "text";
	case FILETYPE_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Writes up to max bytes of p as printable ASCII, other bytes (and quote, backslash) as \xNN. */
static void render(char *out, size_t outsize, const unsigned char *p, size_t n, size_t max)
{
	size_t i, o = 0;

	if (outsize == 0)
		return;
	for (i = 0; i < n && i < max; i++) {
		int w;

		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'' && p[i] != '\\')
			w = snprintf(out + o, outsize - o, "%c", p[i]);
		else
			w = snprintf(out + o, outsize - o, "\\x%02x", p[i]);
		if (w < 0 || (size_t)w >= outsize - o)
			break;
		o += (size_t)w;
	}
	out[o] = '\0';
}

static bool is_pdf(const unsigned char *p, size_t len)
{
	size_t end = len < PDF_HEADER_WINDOW + 5 ? len : PDF_HEADER_WINDOW + 5, i = 0;

	while (i < end) {
		const unsigned char *q = memmem(p + i, end - i, "%PDF-", 5);
		size_t at;

		if (!q)
			return false;
		at = (size_t)(q - p);
		if (at >= PDF_HEADER_WINDOW)
			return false;
		if (at + 5 < len && q[5] >= '0' && q[5] <= '9')
			return true;
		i = at + 1;
	}
	return false;
}

static const char *const docx_first_exact[] = { "[Content_Types].xml", "_rels/.rels" };
static const char *const docx_first_prefix[] = { "word/", "docProps/" };

/* Checks the first ZIP entry name. Returns 1 when it is a Word document's, 0 when not (reason written). */
static int sniff_zip(const unsigned char *p, size_t len, bool whole, char *why, size_t whysize)
{
	char shown[64];
	size_t nlen, i;
	const char *name;

	if (len < 30) {
		fail(why, whysize, "%s", whole ? "truncated ZIP archive" : "too few bytes to tell the ZIP entry");
		return 0;
	}
	nlen = (size_t)p[26] | (size_t)p[27] << 8;
	if (len < 30 + nlen) {
		fail(why, whysize, "%s", whole ? "truncated ZIP archive" : "too few bytes to tell the ZIP entry");
		return 0;
	}
	name = (const char *)p + 30;
	for (i = 0; i < sizeof(docx_first_exact) / sizeof(docx_first_exact[0]); i++)
		if (nlen == strlen(docx_first_exact[i]) && memcmp(name, docx_first_exact[i], nlen) == 0)
			return 1;
	for (i = 0; i < sizeof(docx_first_prefix) / sizeof(docx_first_prefix[0]); i++)
		if (nlen > strlen(docx_first_prefix[i]) &&
		    memcmp(name, docx_first_prefix[i], strlen(docx_first_prefix[i])) == 0)
			return 1;
	render(shown, sizeof(shown), (const unsigned char *)name, nlen, 40);
	fail(why, whysize, "a ZIP archive that is not a Word document (first entry '%s')", shown);
	return 0;
}

/*
 * Length of the UTF-8 sequence at p[0..n): 1..4 when valid, 0 when invalid,
 * -1 when it is a valid beginning cut short by the end of the buffer.
 */
static int utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int need, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	return need + 1;
}

/* Returns 1 for text, 0 for binary, -1 for invalid UTF-8 (*bad set to its offset). */
static int sniff_text(const unsigned char *p, size_t len, bool whole, size_t *bad)
{
	size_t i = 0, controls = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		uint32_t cp;
		int n = utf8_len(p + i, len - i, &cp);

		if (n == -1 && !whole)
			break;
		if (n <= 0) {
			*bad = i;
			return -1;
		}
		if (cp == 0)
			return 0;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f') || (cp >= 0x7f && cp <= 0x9f))
			controls++;
		i += (size_t)n;
	}
	return controls * 100 > len ? 0 : 1;
}

enum filetype filetype_sniff(const void *data, size_t len, bool whole, char *why, size_t whysize)
{
	const unsigned char *p = data;
	char shown[48], detail[128];
	size_t bad = 0, i;
	int r;

	if (why && whysize)
		why[0] = '\0';
	if (len == 0) {
		fail(why, whysize, "%s", "empty file");
		return FILETYPE_UNKNOWN;
	}
	if (is_pdf(p, len))
		return FILETYPE_PDF;
	if (len >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
		return sniff_zip(p, len, whole, why, whysize) ? FILETYPE_DOCX : FILETYPE_UNKNOWN;
	r = sniff_text(p, len > FILETYPE_SNIFF_BYTES ? FILETYPE_SNIFF_BYTES : len, whole && len <= FILETYPE_SNIFF_BYTES,
		       &bad);
	if (r == 1)
		return FILETYPE_TEXT;
	render(shown, sizeof(shown), p, len, 8);
	snprintf(detail, sizeof(detail), "starts with '%s'", shown);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (len >= known[i].len && memcmp(p, known[i].magic, known[i].len) == 0) {
			snprintf(detail, sizeof(detail), "starts with '%s', %s", shown, known[i].what);
			break;
		}
	}
	if (r == -1 && i == sizeof(known) / sizeof(known[0]))
		snprintf(detail, sizeof(detail), "invalid UTF-8 at byte %zu", bad);
	fail(why, whysize, "not a PDF, DOCX or UTF-8 text file (%s)", detail);
	return FILETYPE_UNKNOWN;
}

int filetype_docx_verify(const void *data, size_t len, char *why, size_t whysize)
{
	zip_error_t zerr;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_stat_t st;
	int ret = -1;

	if (why && whysize)
		why[0] = '\0';
	if (len == 0) {
		fail(why, whysize, "%s", "empty file");
		return -1;
	}
	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src) {
		fail(why, whysize, "cannot read the ZIP archive: %s", zip_error_strerror(&zerr));
		goto out;
	}
	za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	if (!za) {
		fail(why, whysize, "not a readable ZIP archive: %s", zip_error_strerror(&zerr));
		zip_source_free(src);
		goto out;
	}
	zip_stat_init(&st);
	if (zip_stat(za, "word/document.xml", 0, &st) < 0) {
		fail(why, whysize, "%s", "a ZIP archive without word/document.xml, not a Word document");
		goto out;
	}
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
		fail(why, whysize, "%s", "word/document.xml is encrypted");
		goto out;
	}
	ret = 0;
out:
	if (za)
		zip_discard(za);
	zip_error_fini(&zerr);
	return ret;
}
