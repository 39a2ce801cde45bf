/* jdfile: a job description given as a file (PDF, DOCX, TXT; base64 in the job's JSON) turned into text. */
#ifndef SHORTLIST_JDFILE_H
#define SHORTLIST_JDFILE_H

#include <cJSON.h>
#include <stddef.h>

/* Largest decoded description file accepted. */
#define JDFILE_MAX_BYTES (2 * 1024 * 1024)

/*
 * When obj (a job's JSON, as sent to create or update it) has a
 * "description_file" member {"filename": "...", "content_base64": "..."},
 * decodes it, extracts its text in the sandboxed extractor and replaces the
 * member with "description" holding that text. Returns 0 (also when there
 * is no such member), or -1 with a reason naming the field in err: bad
 * base64, too large, an unsupported or unreadable file, no text.
 */
int jdfile_apply(cJSON *obj, char *err, size_t errlen);

#endif
