/* cachesavings: what the provider's prompt cache saved an organisation (cached prompt tokens and dollars). */
#include "score/cachesavings.h"

#include "core/db.h"

int cachesavings_org_json(int64_t org_id, cJSON **out)
{
	char org[24];
	const char *p[1] = { org };

	db_int_param(org_id, org);
	return db_query_json(
		"cachesavings_org",
		"SELECT jsonb_build_object('analyses', count(*), 'cached_tokens', COALESCE(sum(cached_tokens), 0),"
		" 'saved_usd', COALESCE(sum(cache_saved_usd), 0))::text"
		" FROM analyses WHERE org_id = $1 AND cached_tokens > 0",
		1, p, out);
}
