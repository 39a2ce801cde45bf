/* filetype: what an uploaded file is, from its magic bytes and never from its name. */
#ifndef SHORTLIST_FILETYPE_H
#define SHORTLIST_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

/* How many leading bytes filetype_sniff() looks at; pass at least this many when the file is longer. */
#define FILETYPE_SNIFF_BYTES 4096
/* Room for any reason filetype_sniff() or filetype_docx_verify() writes. */
#define FILETYPE_REASON_MAX 160

enum filetype {
	FILETYPE_UNKNOWN = 0,
	FILETYPE_PDF,
	FILETYPE_DOCX,
	FILETYPE_TEXT,
};

/*
 * Sniffs the first len bytes of a file. whole says whether those bytes are
 * the whole file: when they are not, a UTF-8 sequence cut by the end of the
 * prefix is not held against it.
 *
 * PDF: "%PDF-" and a digit starting within the first 1024 bytes (readers
 * accept leading junk). DOCX: a ZIP local file header whose first entry is
 * [Content_Types].xml, _rels/.rels, word/... or docProps/... (confirm with
 * filetype_docx_verify() once the whole file is there). Text: valid UTF-8
 * (BOM allowed), no NUL, at most 1% other control characters (tab, LF, CR
 * and form feed are fine).
 *
 * Returns the type. For FILETYPE_UNKNOWN, when why is not NULL, writes a
 * short printable reason to why (at most whysize bytes, NUL-terminated),
 * such as "not a PDF, DOCX or UTF-8 text file (starts with 'MZ\x90\x00')".
 */
enum filetype filetype_sniff(const void *data, size_t len, bool whole, char *why, size_t whysize);

/*
 * Confirms that a complete file is a readable ZIP archive holding
 * word/document.xml. Returns 0, or -1 with a short reason in why.
 */
int filetype_docx_verify(const void *data, size_t len, char *why, size_t whysize);

/* The MIME type for a type ("application/octet-stream" for unknown). Static string. */
const char *filetype_mime(enum filetype t);
/* A short lower-case name: "pdf", "docx", "text" or "unknown". Static string. */
const char *filetype_name(enum filetype t);

#endif
