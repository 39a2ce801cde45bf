/* config: the one configuration every program reads, from the environment and an optional file. */
#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/netaddr.h"
#include "base/util.h"
#include "core/cache.h"

enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_BOOL };

struct config_key {
	enum config_type type;
	const char *name;
	const char *def;
	int64_t min, max;
	bool secret;
	const char *doc;
	size_t offset;
};

static const struct config_key keys[] = {
#define CONFIG_ROW(type, field, name, def, min, max, secret, doc) \
	{ CONFIG_##type, name, def, (int64_t)(min), (int64_t)(max), secret, doc, offsetof(struct config, field) },
	CONFIG_KEYS(CONFIG_ROW)
#undef CONFIG_ROW
};

#define NKEYS ARRAY_SIZE(keys)

static struct config loaded;
static char *values[NKEYS]; /* owned copies of every string value */
static bool is_loaded;

static int find_key(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static void set_value(size_t i, const char *v, size_t len)
{
	free(values[i]);
	values[i] = xstrndup(v, len);
}

static int read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = -1;

	if (!f) {
		snprintf(err, errlen, "cannot open config file '%s': %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq, *end;
		int k;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			goto out;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (str_has_prefix(p, "export "))
			p += 7;
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected NAME=value", path, lineno);
			goto out;
		}
		k = find_key(p, (size_t)(eq - p));
		if (k < 0) {
			snprintf(err, errlen, "%s:%d: unknown setting '%.*s'", path, lineno, (int)(eq - p), p);
			goto out;
		}
		eq++;
		if (end - eq >= 2 && ((*eq == '"' && end[-1] == '"') || (*eq == '\'' && end[-1] == '\''))) {
			eq++;
			end--;
		}
		set_value((size_t)k, eq, (size_t)(end - eq));
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int validate(size_t i, char *err, size_t errlen)
{
	const struct config_key *k = &keys[i];
	char *slot = (char *)&loaded + k->offset;
	const char *v = values[i];

	switch (k->type) {
	case CONFIG_STR:
		*(const char **)slot = v;
		return 0;
	case CONFIG_INT: {
		int64_t n;

		if (parse_int64(v, k->min, k->max, &n) < 0) {
			snprintf(err, errlen, "%s: '%s' is not an integer in [%lld, %lld]", k->name, v,
				 (long long)k->min, (long long)k->max);
			return -1;
		}
		*(int64_t *)slot = n;
		return 0;
	}
	case CONFIG_BOOL:
		if (parse_bool(v, (bool *)slot) < 0) {
			snprintf(err, errlen, "%s: '%s' is not a boolean (true or false)", k->name, v);
			return -1;
		}
		return 0;
	}
	return -1;
}

static bool one_of(const char *v, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

static int validate_all(char *err, size_t errlen)
{
	static const char *const levels[] = { "debug", "info", "warn", "error" };
	static const char *const providers[] = { "", "local", "openai" };
	static const char *const policies[] = { "allow", "refuse" };
	static const char *const poolers[] = { "", "transaction" };
	struct netaddr_list proxies;
	char why[256];

	if (!one_of(loaded.log_level, levels, ARRAY_SIZE(levels))) {
		snprintf(err, errlen, "SHORTLIST_LOG_LEVEL: '%s' is not one of debug, info, warn, error",
			 loaded.log_level);
		return -1;
	}
	if (!one_of(loaded.llm_provider, providers, ARRAY_SIZE(providers))) {
		snprintf(err, errlen, "SHORTLIST_LLM_PROVIDER: '%s' is not local or openai", loaded.llm_provider);
		return -1;
	}
	if (!one_of(loaded.api_rate_when_cache_down, policies, ARRAY_SIZE(policies))) {
		snprintf(err, errlen, "SHORTLIST_API_RATE_WHEN_CACHE_DOWN: '%s' is not allow or refuse",
			 loaded.api_rate_when_cache_down);
		return -1;
	}
	if (netaddr_list_parse(loaded.trusted_proxies, &proxies, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "SHORTLIST_TRUSTED_PROXIES: %s", why);
		return -1;
	}
	if (!one_of(loaded.db_pooler, poolers, ARRAY_SIZE(poolers))) {
		snprintf(err, errlen, "SHORTLIST_DB_POOLER: '%s' is not empty or transaction", loaded.db_pooler);
		return -1;
	}
	if (strcmp(loaded.llm_provider, "openai") == 0 && !*loaded.openai_api_key) {
		snprintf(err, errlen, "SHORTLIST_LLM_PROVIDER is openai but SHORTLIST_OPENAI_API_KEY is empty");
		return -1;
	}
	if (!*loaded.s3_bucket) {
		snprintf(err, errlen, "SHORTLIST_S3_BUCKET must not be empty");
		return -1;
	}
	{
		if (cache_servers_check(loaded.memcached_servers, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "SHORTLIST_MEMCACHED_SERVERS: '%s': %s", loaded.memcached_servers, why);
			return -1;
		}
	}
	if (!*loaded.database_url) {
		snprintf(err, errlen, "SHORTLIST_DATABASE_URL must not be empty");
		return -1;
	}
	return 0;
}

int config_load(const char *path, char *err, size_t errlen)
{
	size_t i;

	config_release();
	for (i = 0; i < NKEYS; i++)
		set_value(i, keys[i].def, strlen(keys[i].def));
	if (!path) {
		path = getenv("SHORTLIST_CONFIG");
		if (path && !*path)
			path = NULL;
	}
	if (path && read_file(path, err, errlen) < 0)
		return -1;
	for (i = 0; i < NKEYS; i++) {
		const char *v = getenv(keys[i].name);

		if (v)
			set_value(i, v, strlen(v));
	}
	for (i = 0; i < NKEYS; i++)
		if (validate(i, err, errlen) < 0)
			return -1;
	if (validate_all(err, errlen) < 0)
		return -1;
	is_loaded = true;
	return 0;
}

void config_load_or_die(const char *path)
{
	char err[512];

	if (config_load(path, err, sizeof(err)) < 0) {
		fprintf(stderr, "fatal: bad configuration: %s\n", err);
		exit(EX_CONFIG);
	}
}

bool config_is_loaded(void)
{
	return is_loaded;
}

const struct config *config(void)
{
	if (!is_loaded) {
		fprintf(stderr, "fatal: configuration used before config_load()\n");
		abort();
	}
	return &loaded;
}

static const char *masked(size_t i)
{
	if (!keys[i].secret || !values[i] || !*values[i])
		return values[i] ? values[i] : "";
	return "********";
}

void config_dump(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		printf("%s=%s\n", keys[i].name, masked(i));
}

void config_dump_markdown(void)
{
	size_t i;

	printf("| variable | default | meaning |\n|---|---|---|\n");
	for (i = 0; i < NKEYS; i++)
		printf("| `%s` | %s%s%s | %s%s |\n", keys[i].name, *keys[i].def ? "`" : "",
		       *keys[i].def ? keys[i].def : "(empty)", *keys[i].def ? "`" : "", keys[i].doc,
		       keys[i].secret ? " (secret)" : "");
}

void config_release(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		free(values[i]);
		values[i] = NULL;
	}
	memset(&loaded, 0, sizeof(loaded));
	is_loaded = false;
}
