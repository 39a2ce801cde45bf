/* batchapi_answer: a batched call's answer checked exactly as a synchronous one — classified, parsed against the schema, its evidence verified. */
#include "queue/batchapi_answer.h"

#include <stdio.h>
#include <string.h>

#include "llm/llm.h"
#include "llm/llm_batch.h"
#include "queue/batchapi.h"

struct analysis *batchapi_answer(const struct batchapi_item *it, struct job *job, const char *text, size_t len,
				 struct llm_reply *reply, char *err, size_t errlen)
{
	struct analysis *a;
	char why[400];

	memset(reply, 0, sizeof(*reply));
	if (!it->response) {
		snprintf(err, errlen, "the provider batch gave no answer");
		return NULL;
	}
	llm_openai_parse_reply(it->status_code, it->response, strlen(it->response), reply);
	/* Its price is the batch's, whatever the reply's usage was priced at. */
	reply->usage.cost_microusd =
		llm_batch_cost_microusd(reply->model ? reply->model : "", reply->usage.prompt_tokens,
					reply->usage.cached_tokens, reply->usage.completion_tokens);
	if (reply->outcome != LLM_OUTCOME_OK) {
		snprintf(err, errlen, "the batched answer was not usable (%s): %s", llm_outcome_name(reply->outcome),
			 reply->reason);
		return NULL;
	}
	a = llm_openai_analysis(reply->content, strlen(reply->content), job, text, len, why, sizeof(why));
	if (!a)
		snprintf(err, errlen, "the batched answer failed its checks: %s", why);
	return a;
}
