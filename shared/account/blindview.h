/* blindview: an organisation's choice to hide candidates' names and contact details from recruiters until shortlisted. */
#ifndef SHORTLIST_BLINDVIEW_H
#define SHORTLIST_BLINDVIEW_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/req.h"

/*
 * With organisations.blind_view on (migration 0250), a caller who is not an
 * admin (keystore_may_manage: an admin user or an organisation key) sees
 * no candidate's identity until the candidate is shortlisted: the scorer's
 * recommendation is shortlist, or a human decision is. The identity is the
 * name, email, phone, address, links and file name read from the resume,
 * the resume's download link, and the address and body of emails to the
 * candidate. Every API answer that carries them goes through this module.
 */

/* Turns the setting on or off. Returns 0, ST_NOT_FOUND (no such organisation) or a db code. */
int blindview_set(int64_t org_id, bool on);

/* The setting of the organisation into *on. Returns 0, ST_NOT_FOUND or a db code. */
int blindview_get(int64_t org_id, bool *on);

/*
 * Whether answers to this caller hide identities: the setting is on and
 * the caller is no admin. Returns 1, 0, or a db status code.
 */
int blindview_applies(int64_t org_id, int64_t user_id, int64_t key_id);

/* The same for the caller of r, using the setting authentication read with the caller's key when it did. */
int blindview_applies_to(const struct req *r);

/*
 * Whether a candidate object ({recommendation, decision: {category} or
 * null}, as the candidates API shows one) is shortlisted, so shown in full.
 */
bool blindview_revealed(const cJSON *candidate);

/*
 * Hides the identity in a candidate object that is not revealed: name,
 * email, contact, filename and download become null, and identity_hidden
 * is set (true, or false when it is shown).
 */
void blindview_mask_candidate(cJSON *candidate);

/* Sets identity_hidden false on o: an answer to a caller the blind view does not apply to. */
void blindview_mark_shown(cJSON *o);

/*
 * Whether the organisation's candidate resume_id is revealed (as
 * blindview_revealed, read from the database) into *revealed. Returns 0
 * or a db status code; an unknown candidate is not revealed.
 */
int blindview_resume_revealed(int64_t org_id, int64_t resume_id, bool *revealed);

/*
 * Hides the identity in every object of tree (at any depth) that names a
 * candidate by resume_id and is not revealed: its name, email, contact and
 * filename become null. For answers that list candidates in passing (a
 * batch's failures, a rescore's moves). Returns 0 or a db status code.
 */
int blindview_mask_tree(int64_t org_id, cJSON *tree);

/*
 * Hides the recipient of an email object ({candidate_id, to, to_name,
 * text, html, smtp_reply, bounce_detail, last_error, ...}) whose candidate
 * is not revealed: those become null and identity_hidden is set. Returns 0 or a db status code.
 */
int blindview_mask_email(int64_t org_id, cJSON *email);

#endif
