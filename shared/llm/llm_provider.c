/*
 * Which provider scores, from the configuration: kept apart from the
 * engine (llm.c) so that the web handlers, which only estimate and show
 * costs, can ask it without linking the LLM client (tests/t1010).
 */
#include "llm/llm.h"
#include <string.h>

int llm_provider_select(const char *setting, const char *api_key, enum llm_provider *out)
{
	if (!setting || !*setting)
		*out = api_key && *api_key ? LLM_PROVIDER_OPENAI : LLM_PROVIDER_LOCAL;
	else if (strcmp(setting, "local") == 0)
		*out = LLM_PROVIDER_LOCAL;
	else if (strcmp(setting, "openai") == 0)
		*out = LLM_PROVIDER_OPENAI;
	else
		return -1;
	return 0;
}

const char *llm_provider_name(enum llm_provider p)
{
	return p == LLM_PROVIDER_OPENAI ? "openai" : "local";
}
