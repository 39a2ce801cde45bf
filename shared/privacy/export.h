/* export: everything held about one candidate, and the audit trail, as documents to hand over. */
#ifndef SHORTLIST_EXPORT_H
#define SHORTLIST_EXPORT_H

#include <stdint.h>

#include <cJSON.h>

#include "base/buf.h"
#include "core/audit.h"

/*
 * Everything held about candidate resume_id of the organisation, for an
 * access or portability request: {exported_at, candidate: {id, job_id,
 * filename, content_type, size_bytes, sha256, status, status_reason,
 * text, page_count, contact, flags, created_at, updated_at}, job: {id,
 * title, status}, analyses: [every analysis, current or not, with its
 * result (scores, evidence quoted from the resume, explanations)],
 * decision, emails: [{id, kind, to_address, to_name, subject, body_text,
 * body_html, state, created_at, sent_at, ...}], legal_holds, audit_events:
 * [those about the candidate, and the email events naming it]}. The file
 * itself is in S3 (its download link is on GET /api/v1/candidates/{id}).
 * Returns 0, ST_NOT_FOUND or a db status code; caller frees *out.
 */
int export_candidate_json(int64_t org_id, int64_t resume_id, cJSON **out);

/* The header line of the trail's CSV export, CRLF-terminated. */
extern const char export_audit_csv_header[];

/*
 * Appends the events (items of audit_list_json()) to out as CSV rows (RFC
 * 4180: quoted where needed, CRLF), one per event, with the columns of
 * export_audit_csv_header (details as JSON text). Returns 0 or -1 when out is full.
 */
int export_audit_csv(const cJSON *items, struct buf *out);

#endif
