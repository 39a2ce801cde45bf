/* batchapi_answer: a batched call's answer checked exactly as a synchronous one — classified, parsed against the schema, its evidence verified. */
#ifndef SHORTLIST_BATCHAPI_ANSWER_H
#define SHORTLIST_BATCHAPI_ANSWER_H

#include <stddef.h>

struct analysis;
struct batchapi_item;
struct job;
struct llm_reply;

/*
 * The completed analysis of an answered item for job and the text that was
 * sent (text, len bytes): llm_openai_parse_reply() on its status and body,
 * then llm_openai_analysis() (schema, evidence, weights, knock-outs). reply
 * gets the classified answer with its usage priced at the batch price
 * (release it with llm_reply_release() in every case). Returns the analysis
 * (caller frees) or NULL with the reason in err.
 */
struct analysis *batchapi_answer(const struct batchapi_item *it, struct job *job, const char *text, size_t len,
				 struct llm_reply *reply, char *err, size_t errlen);

#endif
