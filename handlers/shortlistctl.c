/* shortlistctl: the admin command line — migrations, organisations, users, API keys, configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/apikey.h"
#include "account/keystore.h"
#include "account/password.h"
#include "account/session.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/migrate.h"

/* Exit codes from sysexits.h, so scripts can tell usage errors from outages. */
enum { EXIT_USAGE = 64, EXIT_DATA = 65, EXIT_UNAVAILABLE = 69, EXIT_INTERNAL = 70, EXIT_CONFIG = 78 };

static const char usage_text[] =
	"usage: shortlistctl COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  migrate [--dir DIR]                          apply database migrations (default infra/db/migrations)\n"
	"  org create NAME                              create an organisation\n"
	"  user create --org NAME [--name N] [--admin] [--password-stdin] EMAIL\n"
	"                                               create a user in an organisation; with\n"
	"                                               --password-stdin, one who can sign in to the web\n"
	"                                               app with the password on standard input's first line\n"
	"  user password --org NAME EMAIL               set a user's password (standard input's first\n"
	"                                               line) and sign out the user's sessions\n"
	"  key create --org NAME [--user EMAIL] [--name LABEL]\n"
	"                                               create an API key and print it (shown once)\n"
	"  config [--markdown]                          print the effective configuration, secrets masked\n"
	"\n"
	"Configuration comes from SHORTLIST_* environment variables and the file named by SHORTLIST_CONFIG.\n"
	"Exit codes: 0 ok, 64 usage, 65 bad data, 69 database unavailable, 70 internal error, 78 bad configuration.\n";

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "error: %s\n\n", msg);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int exit_for(int rc)
{
	switch (rc) {
	case ST_UNAVAILABLE:
		fprintf(stderr, "error: database unavailable: %s\n", db_last_error());
		return EXIT_UNAVAILABLE;
	case ST_CONFLICT:
		fprintf(stderr, "error: already exists: %s\n", db_last_error());
		return EXIT_DATA;
	case ST_BAD_REQUEST:
		fprintf(stderr, "error: invalid value: %s\n", db_last_error());
		return EXIT_DATA;
	default:
		fprintf(stderr, "error: %s\n", *db_last_error() ? db_last_error() : "internal error");
		return EXIT_INTERNAL;
	}
}

/* Parses --flag VALUE pairs and plain arguments from argv[from..]. */
struct opts {
	const char *org, *user, *name, *dir;
	bool admin, markdown, password_stdin;
	const char *positional[4];
	int npositional;
};

static int parse_opts(int argc, char **argv, int from, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = from; i < argc; i++) {
		const char **slot = NULL;

		if (strcmp(argv[i], "--org") == 0)
			slot = &o->org;
		else if (strcmp(argv[i], "--user") == 0)
			slot = &o->user;
		else if (strcmp(argv[i], "--name") == 0)
			slot = &o->name;
		else if (strcmp(argv[i], "--dir") == 0)
			slot = &o->dir;
		else if (strcmp(argv[i], "--admin") == 0)
			o->admin = true;
		else if (strcmp(argv[i], "--markdown") == 0)
			o->markdown = true;
		else if (strcmp(argv[i], "--password-stdin") == 0)
			o->password_stdin = true;
		else if (strncmp(argv[i], "--", 2) == 0)
			return -1;
		else if (o->npositional < (int)ARRAY_SIZE(o->positional))
			o->positional[o->npositional++] = argv[i];
		else
			return -1;
		if (slot) {
			if (i + 1 >= argc)
				return -1;
			*slot = argv[++i];
		}
	}
	return 0;
}

static int find_org(const char *name, char id[24])
{
	struct db_result *res = NULL;
	const char *params[1] = { name };
	int rc = db_query(NULL, "SELECT id FROM organisations WHERE name = $1", 1, params, &res);

	if (rc < 0)
		return exit_for(rc);
	if (db_rows(res) != 1) {
		db_result_free(res);
		fprintf(stderr, "error: no organisation named '%s'\n", name);
		return EXIT_DATA;
	}
	snprintf(id, 24, "%s", db_value(res, 0, 0));
	db_result_free(res);
	return 0;
}

static int cmd_migrate(const struct opts *o)
{
	int rc = migrate_run(o->dir ? o->dir : "infra/db/migrations", 1);

	if (rc < 0)
		return exit_for(rc);
	printf("%d migration%s applied\n", rc, rc == 1 ? "" : "s");
	return 0;
}

static int cmd_org_create(const struct opts *o)
{
	struct db_result *res = NULL;
	const char *params[1];
	int rc;

	if (o->npositional != 1)
		return usage("org create needs exactly one NAME");
	params[0] = o->positional[0];
	rc = db_query(NULL, "INSERT INTO organisations (name) VALUES ($1) RETURNING id", 1, params, &res);
	if (rc < 0)
		return exit_for(rc);
	printf("organisation %s created (id %s)\n", o->positional[0], db_value(res, 0, 0));
	db_result_free(res);
	return 0;
}

/*
 * Reads a password from standard input's first line (its line ending
 * dropped), checks it may be used and hashes it into hash. Returns 0 or an
 * exit code (the reason printed).
 */
static int read_password(char hash[PASSWORD_HASH_MAX])
{
	char line[PASSWORD_MAX_BYTES + 3], err[200];
	size_t n;
	int rc = 0;

	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "error: no password on standard input\n");
		return EXIT_DATA;
	}
	n = strlen(line);
	if (n && line[n - 1] != '\n' && !feof(stdin)) {
		fprintf(stderr, "error: a password has at most %d bytes\n", PASSWORD_MAX_BYTES);
		rc = EXIT_DATA;
	}
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (rc == 0 && !password_acceptable(line, err, sizeof(err))) {
		fprintf(stderr, "error: %s\n", err);
		rc = EXIT_DATA;
	}
	if (rc == 0 && password_hash(line, hash) < 0) {
		fprintf(stderr, "error: cannot hash the password (out of memory?)\n");
		rc = EXIT_INTERNAL;
	}
	explicit_bzero(line, sizeof(line));
	return rc;
}

static int cmd_user_create(const struct opts *o)
{
	struct db_result *res = NULL;
	const char *params[5];
	char org_id[24], hash[PASSWORD_HASH_MAX];
	int rc;

	if (!o->org || o->npositional != 1)
		return usage("user create needs --org NAME and one EMAIL");
	if (!strchr(o->positional[0], '@'))
		return usage("EMAIL must contain '@'");
	rc = find_org(o->org, org_id);
	if (rc)
		return rc;
	if (o->password_stdin && (rc = read_password(hash)) != 0)
		return rc;
	params[0] = org_id;
	params[1] = o->positional[0];
	params[2] = o->name ? o->name : "";
	params[3] = o->admin ? "admin" : "recruiter";
	params[4] = o->password_stdin ? hash : NULL;
	rc = db_query(
		NULL,
		"INSERT INTO users (org_id, email, name, role, password_hash, password_changed_at)"
		" VALUES ($1, $2, $3, $4, $5::text, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END) RETURNING id",
		5, params, &res);
	if (rc < 0)
		return exit_for(rc);
	printf("user %s created in %s (id %s)\n", o->positional[0], o->org, db_value(res, 0, 0));
	db_result_free(res);
	return 0;
}

static int cmd_user_password(const struct opts *o)
{
	struct db_result *res = NULL;
	const char *params[3];
	char org_id[24], hash[PASSWORD_HASH_MAX];
	int64_t user_id;
	int rc;

	if (!o->org || o->npositional != 1)
		return usage("user password needs --org NAME and one EMAIL");
	rc = find_org(o->org, org_id);
	if (rc)
		return rc;
	rc = read_password(hash);
	if (rc)
		return rc;
	params[0] = org_id;
	params[1] = o->positional[0];
	params[2] = hash;
	rc = db_query(NULL,
		      "UPDATE users SET password_hash = $3, password_changed_at = now()"
		      " WHERE org_id = $1 AND lower(email) = lower($2) RETURNING id",
		      3, params, &res);
	if (rc < 0)
		return exit_for(rc);
	if (db_rows(res) != 1) {
		db_result_free(res);
		fprintf(stderr, "error: no user '%s' in '%s'\n", o->positional[0], o->org);
		return EXIT_DATA;
	}
	user_id = db_int(res, 0, 0, 0);
	db_result_free(res);
	rc = session_revoke_user(user_id);
	if (rc < 0)
		return exit_for(rc);
	printf("password of %s in %s set; the user's sessions are signed out\n", o->positional[0], o->org);
	return 0;
}

static int cmd_key_create(const struct opts *o)
{
	char org_id[24], key[APIKEY_LEN + 1];
	int64_t org = 0, user = 0, id = 0;
	int rc;

	if (!o->org || o->npositional != 0)
		return usage("key create needs --org NAME");
	rc = find_org(o->org, org_id);
	if (rc)
		return rc;
	(void)parse_int64(org_id, 1, INT64_MAX, &org);
	if (o->user) {
		rc = keystore_find_user(org, o->user, &user);
		if (rc == ST_NOT_FOUND) {
			fprintf(stderr, "error: no user '%s' in '%s'\n", o->user, o->org);
			return EXIT_DATA;
		}
		if (rc < 0)
			return exit_for(rc);
	}
	rc = keystore_create(org, user, o->name ? o->name : "", key, &id);
	if (rc < 0)
		return exit_for(rc);
	fprintf(stderr, "API key %.*s created for %s (id %lld); it is shown once:\n", APIKEY_PREFIX_LEN, key, o->org,
		(long long)id);
	printf("%s\n", key);
	explicit_bzero(key, sizeof(key));
	return 0;
}

int main(int argc, char **argv)
{
	char err[512];
	struct opts o;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		if (argc < 2)
			return usage(NULL);
		fputs(usage_text, stdout);
		return 0;
	}
	if (config_load(NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: bad configuration: %s\n", err);
		return EXIT_CONFIG;
	}
	log_init(argv[0]);
	log_set_level(LOG_WARN);
	if (strcmp(argv[1], "config") == 0) {
		if (parse_opts(argc, argv, 2, &o) < 0 || o.npositional)
			return usage("config takes only --markdown");
		if (o.markdown)
			config_dump_markdown();
		else
			config_dump();
		rc = 0;
	} else if (strcmp(argv[1], "migrate") == 0) {
		rc = parse_opts(argc, argv, 2, &o) < 0 || o.npositional ? usage("migrate takes only --dir DIR")
									: cmd_migrate(&o);
	} else if (argc >= 3 && strcmp(argv[2], "create") == 0 &&
		   (strcmp(argv[1], "org") == 0 || strcmp(argv[1], "user") == 0 || strcmp(argv[1], "key") == 0)) {
		if (parse_opts(argc, argv, 3, &o) < 0)
			rc = usage("unknown or incomplete option");
		else if (argv[1][0] == 'o')
			rc = cmd_org_create(&o);
		else if (argv[1][0] == 'u')
			rc = cmd_user_create(&o);
		else
			rc = cmd_key_create(&o);
	} else if (argc >= 3 && strcmp(argv[1], "user") == 0 && strcmp(argv[2], "password") == 0) {
		rc = parse_opts(argc, argv, 3, &o) < 0 ? usage("unknown or incomplete option") : cmd_user_password(&o);
	} else {
		rc = usage("unknown command");
	}
	db_close();
	config_release();
	return rc;
}
