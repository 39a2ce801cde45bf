/* shortlistctl: the admin command line — migrations, organisations, users, API keys, configuration, seeding. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "account/apikey.h"
#include "account/blindview.h"
#include "account/keystore.h"
#include "account/opsreport.h"
#include "account/orgstore.h"
#include "account/password.h"
#include "account/userstore.h"
#include "base/status.h"
#include "base/util.h"
#include "core/answercache.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/counters.h"
#include "core/db.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/migrate.h"
#include "intake/arrival.h"
#include "intake/resumestore.h"
#include "intake/uploadslot.h"
#include "mail/outbox.h"
#include "mail/approval.h"
#include "mail/notice.h"
#include "privacy/hold.h"
#include "privacy/retention.h"
#include "queue/jobprep.h"
#include "queue/prune.h"
#include "queue/queue.h"
#include "queue/queuemetrics.h"
#include "score/budget.h"
#include "score/job.h"
#include "score/jobstore.h"
#include "score/jobsummary.h"
#include "score/neardup.h"
#include "score/progress.h"
#include "score/ranking.h"
#include "score/resultstore.h"
#include "score/seedstore.h"

/* The options a command may take, one bit each. */
enum {
	OPT_ORG = 1 << 0,
	OPT_USER = 1 << 1,
	OPT_NAME = 1 << 2,
	OPT_DIR = 1 << 3,
	OPT_ADMIN = 1 << 4,
	OPT_MARKDOWN = 1 << 5,
	OPT_PASSWORD_STDIN = 1 << 6,
	OPT_JOB_TITLE = 1 << 7,
	OPT_CANDIDATES = 1 << 8,
	OPT_DRY_RUN = 1 << 9,
	OPT_FAILED = 1 << 10,
};

/* One option: its flag, its bit, and whether a value follows it. */
static const struct option {
	const char *flag;
	unsigned bit;
	bool has_value;
} options[] = {
	{ "--org", OPT_ORG, true },
	{ "--user", OPT_USER, true },
	{ "--name", OPT_NAME, true },
	{ "--dir", OPT_DIR, true },
	{ "--admin", OPT_ADMIN, false },
	{ "--markdown", OPT_MARKDOWN, false },
	{ "--password-stdin", OPT_PASSWORD_STDIN, false },
	{ "--job-title", OPT_JOB_TITLE, true },
	{ "--candidates", OPT_CANDIDATES, true },
	{ "--dry-run", OPT_DRY_RUN, false },
	{ "--failed", OPT_FAILED, true },
};

/* A command line parsed against its command: option values (NULL when absent), switches, plain arguments. */
struct opts {
	const struct command *cmd; /* the command they are for */
	const char *org, *user, *name, *dir, *job_title, *candidates, *failed;
	bool admin, markdown, password_stdin, dry_run;
	const char *positional[4];
	int npositional;
};

struct command {
	const char *name;  /* one or two words: "migrate", "org create" */
	const char *args;  /* what follows the name on its usage line */
	const char *help;  /* what it does; each '\n' starts a line of the list */
	unsigned accepts;  /* OPT_* it takes */
	unsigned requires; /* OPT_* it must be given */
	int nargs;	   /* plain arguments it needs, exactly */
	const char *wrong; /* the error when requires or nargs is not met */
	int (*fn)(const struct opts *o);
};

static int cmd_migrate(const struct opts *o);
static int cmd_org_create(const struct opts *o);
static int cmd_user_create(const struct opts *o);
static int cmd_user_password(const struct opts *o);
static int cmd_key_create(const struct opts *o);
static int cmd_config(const struct opts *o);
static int cmd_seed(const struct opts *o);
static int cmd_counters_check(const struct opts *o);
static int cmd_counters_rebuild(const struct opts *o);
static int cmd_statements(const struct opts *o);
static int cmd_statements_stores(const struct opts *o);
static int cmd_org_set(const struct opts *o);
static int cmd_retention(const struct opts *o);
static int cmd_answers_forget(const struct opts *o);

static const struct command commands[] = {
	{ "migrate", "[--dir DIR]", "apply database migrations (default infra/db/migrations)", OPT_DIR, 0, 0,
	  "migrate takes only --dir DIR", cmd_migrate },
	{ "org create", "NAME", "create an organisation", 0, 0, 1, "org create needs exactly one NAME",
	  cmd_org_create },
	{ "org set", "--org NAME require_rejection_approval|blind_view|candidate_notice on|off",
	  "change a setting of an organisation: with\n"
	  "require_rejection_approval on, rejection emails\n"
	  "wait for a second user's approval; with blind_view\n"
	  "on, recruiters see no candidate's name or contact\n"
	  "details until the candidate is shortlisted; with\n"
	  "candidate_notice on, each candidate is told that\n"
	  "an automated tool assists the screening",
	  OPT_ORG, OPT_ORG, 2, "org set needs --org NAME, a SETTING and on or off", cmd_org_set },
	{ "user create", "--org NAME [--name N] [--admin] [--password-stdin] EMAIL",
	  "create a user in an organisation; with\n"
	  "--password-stdin, one who can sign in to the web\n"
	  "app with the password on standard input's first line",
	  OPT_ORG | OPT_NAME | OPT_ADMIN | OPT_PASSWORD_STDIN, OPT_ORG, 1, "user create needs --org NAME and one EMAIL",
	  cmd_user_create },
	{ "user password", "--org NAME EMAIL",
	  "set a user's password (standard input's first\n"
	  "line) and sign out the user's sessions",
	  OPT_ORG, OPT_ORG, 1, "user password needs --org NAME and one EMAIL", cmd_user_password },
	{ "key create", "--org NAME [--user EMAIL] [--name LABEL]", "create an API key and print it (shown once)",
	  OPT_ORG | OPT_USER | OPT_NAME, OPT_ORG, 0, "key create needs --org NAME", cmd_key_create },
	{ "config", "[--markdown]", "print the effective configuration, secrets masked", OPT_MARKDOWN, 0, 0,
	  "config takes only --markdown", cmd_config },
	{ "seed", "--org NAME --job-title TITLE --candidates N [--failed K]",
	  "make a job (and the organisation if missing) and\n"
	  "fill it with N scored candidates for benchmarks\n"
	  "and plan tests; prints the job id. Seeded resumes\n"
	  "have no S3 object: their downloads fail. With\n"
	  "--failed K, exactly the first K fail and none needs\n"
	  "review (batches alike in outcomes)",
	  OPT_ORG | OPT_JOB_TITLE | OPT_CANDIDATES | OPT_FAILED, OPT_ORG | OPT_JOB_TITLE | OPT_CANDIDATES, 0,
	  "seed needs --org NAME, --job-title TITLE and --candidates N", cmd_seed },
	{ "counters-check", "",
	  "print every counter whose sum differs from a full\n"
	  "count of the rows (scope, id, family, labels,\n"
	  "stored, counted); exit 1 when there is one",
	  0, 0, 0, "counters-check takes no arguments", cmd_counters_check },
	{ "counters-rebuild", "", "recompute every counter from the rows, for repair;\nprints how many were wrong", 0,
	  0, 0, "counters-rebuild takes no arguments", cmd_counters_rebuild },
	{ "retention", "[--dry-run] [--org NAME]",
	  "run the retention sweep now (of one organisation\n"
	  "or all): erase the candidates of jobs closed longer\n"
	  "than their retention, skip legal holds, delete\n"
	  "audit events past theirs; print the report (JSON).\n"
	  "With --dry-run, only say what it would do",
	  OPT_DRY_RUN | OPT_ORG, 0, 0, "retention takes only --dry-run and --org NAME", cmd_retention },
	{ "answers forget", "--org NAME",
	  "stop serving the organisation's kept answers\n"
	  "(shortlist pages, candidates, batch statuses) after\n"
	  "a change made to its rows by hand, not through the\n"
	  "API or the drainer",
	  OPT_ORG, OPT_ORG, 0, "answers forget needs --org NAME", cmd_answers_forget },
	{ "statements stores", "",
	  "print the stores' hot statements (lists, lookups, queue,\nprune, reports), one a line: NAME|PARAMETERS|SQL",
	  0, 0, 0, "statements stores takes no arguments", cmd_statements_stores },
	{ "statements", "", "print the hot counting statements, one a line:\nNAME|PARAMETERS|SQL (for plan checks)", 0,
	  0, 0, "statements takes no arguments", cmd_statements },
};

/* Where the help of the command list starts: two spaces, the usage, one space at least. */
#define HELP_COLUMN 47

/* Writes one command's lines of the command list: its usage, then its help from HELP_COLUMN. */
static void print_command(FILE *f, const struct command *c)
{
	const char *line = c->help;
	int used = fprintf(f, "  %s %s", c->name, c->args);

	while (*line) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		if (used >= HELP_COLUMN) {
			fputc('\n', f);
			used = 0;
		}
		fprintf(f, "%*s%.*s\n", HELP_COLUMN - used, "", len, line);
		used = 0;
		line += len + (end ? 1 : 0);
	}
}

/* Writes one command's usage: its line, then its help indented. */
static void print_command_usage(FILE *f, const struct command *c)
{
	const char *line = c->help;

	fprintf(f, "usage: shortlistctl %s %s\n\n", c->name, c->args);
	while (*line) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		fprintf(f, "  %.*s\n", len, line);
		line += len + (end ? 1 : 0);
	}
}

/* Whether c's first word is group ("user" for "user create"); every command is in group NULL. */
static bool in_group(const struct command *c, const char *group)
{
	size_t n = group ? strlen(group) : 0;

	return !group || (strncmp(c->name, group, n) == 0 && c->name[n] == ' ');
}

/* Writes the command list of the commands in group (NULL: all) and returns how many there were. */
static int print_commands(FILE *f, const char *group)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (in_group(&commands[i], group) && ++n == 1)
			fputs("usage: shortlistctl COMMAND [ARGS]\n\ncommands:\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (in_group(&commands[i], group))
			print_command(f, &commands[i]);
	return n;
}

static void print_usage(FILE *f)
{
	print_commands(f, NULL);
	fputs("\n"
	      "Configuration comes from SHORTLIST_* environment variables and the file named by SHORTLIST_CONFIG.\n"
	      "Exit codes: 0 ok, 64 usage, 65 bad data, 69 database unavailable, 70 internal error, 78 bad "
	      "configuration.\n",
	      f);
}

/* A bad command line: the reason, then the usage of the command (or of them all when c is NULL). Returns EX_USAGE. */
static int usage_error(const struct command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("error: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n\n", stderr);
	}
	if (c) {
		print_command_usage(stderr, c);
	} else {
		print_usage(stderr);
	}
	return EX_USAGE;
}

/* Prints why a store failed and returns its exit code. */
static int store_failure(int rc)
{
	const char *why = db_last_error();

	switch (rc) {
	case ST_UNAVAILABLE:
		fprintf(stderr, "error: database unavailable: %s\n", why);
		break;
	case ST_CONFLICT:
		fprintf(stderr, "error: already exists: %s\n", why);
		break;
	case ST_BAD_REQUEST:
		fprintf(stderr, "error: invalid value: %s\n", why);
		break;
	default:
		fprintf(stderr, "error: %s\n", *why ? why : "internal error");
		return EX_SOFTWARE;
	}
	return status_exit_code(rc);
}

/* How many leading words of argv (after the program) name c: its word count, or 0 when they do not. */
static int command_words(const struct command *c, int argc, char **argv)
{
	const char *space = strchr(c->name, ' ');

	if (!space)
		return argc >= 2 && strcmp(argv[1], c->name) == 0 ? 1 : 0;
	if (argc < 3 || strlen(argv[1]) != (size_t)(space - c->name) ||
	    strncmp(argv[1], c->name, (size_t)(space - c->name)) != 0 || strcmp(argv[2], space + 1) != 0)
		return 0;
	return 2;
}

/* Parses argv[from..] against c into o. Returns 0, 1 when --help was asked, or EX_USAGE (the reason printed). */
static int parse_opts(const struct command *c, int argc, char **argv, int from, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->cmd = c;
	for (i = from; i < argc; i++) {
		const struct option *opt = NULL;
		size_t k;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
		if (strncmp(argv[i], "--", 2) != 0) {
			if (o->npositional >= (int)ARRAY_SIZE(o->positional) || o->npositional >= c->nargs)
				return usage_error(c, "%s", c->wrong);
			o->positional[o->npositional++] = argv[i];
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(options) && !opt; k++)
			if (strcmp(argv[i], options[k].flag) == 0)
				opt = &options[k];
		if (!opt)
			return usage_error(c, "unknown option '%s'", argv[i]);
		if (!(c->accepts & opt->bit))
			return usage_error(c, "%s takes no %s", c->name, opt->flag);
		if (opt->has_value && i + 1 >= argc)
			return usage_error(c, "%s needs a value", opt->flag);
		switch (opt->bit) {
		case OPT_ORG:
			o->org = argv[++i];
			break;
		case OPT_USER:
			o->user = argv[++i];
			break;
		case OPT_NAME:
			o->name = argv[++i];
			break;
		case OPT_DIR:
			o->dir = argv[++i];
			break;
		case OPT_JOB_TITLE:
			o->job_title = argv[++i];
			break;
		case OPT_CANDIDATES:
			o->candidates = argv[++i];
			break;
		case OPT_FAILED:
			o->failed = argv[++i];
			break;
		case OPT_ADMIN:
			o->admin = true;
			break;
		case OPT_MARKDOWN:
			o->markdown = true;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		default:
			o->password_stdin = true;
			break;
		}
	}
	if (o->npositional != c->nargs || ((c->requires & OPT_ORG) && !o->org) ||
	    ((c->requires & OPT_JOB_TITLE) && !o->job_title) || ((c->requires & OPT_CANDIDATES) && !o->candidates))
		return usage_error(c, "%s", c->wrong);
	return 0;
}

/* The id of the organisation named name. Returns 0, or an exit code (the reason printed). */
static int find_org(const char *name, int64_t *id)
{
	int rc = orgstore_find(name, id);

	if (rc == ST_NOT_FOUND) {
		fprintf(stderr, "error: no organisation named '%s'\n", name);
		return EX_DATAERR;
	}
	return rc < 0 ? store_failure(rc) : 0;
}

static int cmd_migrate(const struct opts *o)
{
	int rc = migrate_run(o->dir ? o->dir : "infra/db/migrations", 1);

	if (rc < 0)
		return store_failure(rc);
	printf("%d migration%s applied\n", rc, rc == 1 ? "" : "s");
	return 0;
}

static int cmd_org_create(const struct opts *o)
{
	int64_t id = 0;
	int rc = orgstore_create(o->positional[0], &id);

	if (rc < 0)
		return store_failure(rc);
	printf("organisation %s created (id %lld)\n", o->positional[0], (long long)id);
	return 0;
}

static int cmd_org_set(const struct opts *o)
{
	const char *setting = o->positional[0], *value = o->positional[1];
	int64_t org = 0;
	bool on = strcmp(value, "on") == 0;
	int rc;

	if (strcmp(setting, "require_rejection_approval") != 0 && strcmp(setting, "blind_view") != 0 &&
	    strcmp(setting, "candidate_notice") != 0)
		return usage_error(o->cmd,
				   "SETTING must be require_rejection_approval, blind_view or candidate_notice");
	if (!on && strcmp(value, "off") != 0)
		return usage_error(o->cmd, "the value must be on or off");
	rc = find_org(o->org, &org);
	if (rc)
		return rc;
	if (strcmp(setting, "blind_view") == 0)
		rc = blindview_set(org, on);
	else if (strcmp(setting, "candidate_notice") == 0)
		rc = notice_set(org, on);
	else
		rc = approval_set_required(org, on);
	if (rc < 0)
		return store_failure(rc);
	/* The blind view changes what the kept answers show. */
	if (answercache_invalidate(org) < 0)
		fprintf(stderr, "warning: memcached could not be told; kept answers may show the old setting for up to "
				"SHORTLIST_ANSWER_CACHE_MS\n");
	printf("%s of %s is %s\n", setting, o->org, value);
	return 0;
}

static int cmd_answers_forget(const struct opts *o)
{
	int64_t org = 0;
	int rc = find_org(o->org, &org);

	if (rc)
		return rc;
	if (answercache_invalidate(org) < 0) {
		fprintf(stderr, "error: memcached could not be reached; kept answers expire within "
				"SHORTLIST_ANSWER_CACHE_MS\n");
		return EX_UNAVAILABLE;
	}
	printf("kept answers of %s are no longer served\n", o->org);
	return 0;
}

static int cmd_retention(const struct opts *o)
{
	cJSON *report = NULL;
	int64_t org = 0;
	char *text;
	int rc;

	if (o->org && (rc = find_org(o->org, &org)) != 0)
		return rc;
	rc = retention_sweep(org, o->dry_run, &report);
	if (rc < 0)
		return store_failure(rc);
	text = cJSON_Print(report);
	printf("%s\n", text ? text : "{}");
	free(text);
	cJSON_Delete(report);
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
		return EX_DATAERR;
	}
	n = strlen(line);
	if (n && line[n - 1] != '\n' && !feof(stdin)) {
		fprintf(stderr, "error: a password has at most %d bytes\n", PASSWORD_MAX_BYTES);
		rc = EX_DATAERR;
	}
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (rc == 0 && !password_acceptable(line, err, sizeof(err))) {
		fprintf(stderr, "error: %s\n", err);
		rc = EX_DATAERR;
	}
	if (rc == 0 && password_hash(line, hash) < 0) {
		fprintf(stderr, "error: cannot hash the password (out of memory?)\n");
		rc = EX_SOFTWARE;
	}
	explicit_bzero(line, sizeof(line));
	return rc;
}

static int cmd_user_create(const struct opts *o)
{
	const char *email = o->positional[0];
	char hash[PASSWORD_HASH_MAX];
	int64_t org = 0, id = 0;
	int rc;

	if (!userstore_email_plausible(email))
		return usage_error(o->cmd, "EMAIL must contain '@'");
	rc = find_org(o->org, &org);
	if (rc)
		return rc;
	if (o->password_stdin && (rc = read_password(hash)) != 0)
		return rc;
	rc = userstore_create(org, email, o->name, o->admin, o->password_stdin ? hash : NULL, &id);
	if (rc < 0)
		return store_failure(rc);
	printf("user %s created in %s (id %lld)\n", email, o->org, (long long)id);
	return 0;
}

static int cmd_user_password(const struct opts *o)
{
	const char *email = o->positional[0];
	char hash[PASSWORD_HASH_MAX];
	int64_t org = 0, user = 0;
	int rc;

	rc = find_org(o->org, &org);
	if (rc)
		return rc;
	rc = read_password(hash);
	if (rc)
		return rc;
	rc = userstore_set_password(org, email, hash, &user);
	if (rc == ST_NOT_FOUND) {
		fprintf(stderr, "error: no user '%s' in '%s'\n", email, o->org);
		return EX_DATAERR;
	}
	if (rc < 0)
		return store_failure(rc);
	printf("password of %s in %s set; the user's sessions are signed out\n", email, o->org);
	return 0;
}

static int cmd_key_create(const struct opts *o)
{
	char key[APIKEY_LEN + 1];
	int64_t org = 0, user = 0, id = 0;
	int rc;

	rc = find_org(o->org, &org);
	if (rc)
		return rc;
	if (o->user) {
		rc = keystore_find_user(org, o->user, &user);
		if (rc == ST_NOT_FOUND) {
			fprintf(stderr, "error: no user '%s' in '%s'\n", o->user, o->org);
			return EX_DATAERR;
		}
		if (rc < 0)
			return store_failure(rc);
	}
	rc = keystore_create(org, user, o->name ? o->name : "", key, &id);
	if (rc < 0)
		return store_failure(rc);
	fprintf(stderr, "API key %.*s created for %s (id %lld); it is shown once:\n", APIKEY_PREFIX_LEN, key, o->org,
		(long long)id);
	printf("%s\n", key);
	explicit_bzero(key, sizeof(key));
	return 0;
}

static int cmd_config(const struct opts *o)
{
	if (o->markdown)
		config_dump_markdown();
	else
		config_dump();
	return 0;
}

/* The seeded job: a description and skills from which its rubric is derived, the default thresholds. */
static int seed_job(int64_t org, const char *title, int64_t *id)
{
	static const char description[] =
		"We are hiring an engineer to build and run backend services. You will design APIs in C and Go,"
		" operate PostgreSQL databases, deploy on Kubernetes, write tests and mentor colleagues. At least"
		" three years of backend experience; clear written communication.";
	cJSON *spec = cJSON_CreateObject(), *skills;
	struct job *job = NULL;
	char err[256];
	int rc;

	cJSON_AddStringToObject(spec, "title", title);
	cJSON_AddStringToObject(spec, "description", description);
	cJSON_AddStringToObject(spec, "company", "Seeded Co");
	skills = cJSON_AddArrayToObject(spec, "required_skills");
	cJSON_AddItemToArray(skills, cJSON_CreateString("PostgreSQL"));
	cJSON_AddItemToArray(skills, cJSON_CreateString("Kubernetes"));
	cJSON_AddItemToArray(skills, cJSON_CreateString("C"));
	if (job_from_json(spec, &job, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\n", err);
		cJSON_Delete(spec);
		return EX_DATAERR;
	}
	cJSON_Delete(spec);
	rc = jobstore_create(org, 0, job, id);
	job_free(job);
	return rc < 0 ? store_failure(rc) : 0;
}

static void seed_progress(int64_t done, int64_t total, void *arg)
{
	(void)arg;
	fprintf(stderr, "seed: %lld of %lld candidates written\n", (long long)done, (long long)total);
}

static int cmd_seed(const struct opts *o)
{
	struct seed_counts counts = { 0 };
	int64_t n = 0, org = 0, job = 0, batch = 0, failed = SEED_FAILED_RANDOM;
	int rc;

	if (parse_int64(o->candidates, 1, SEEDSTORE_MAX, &n) < 0)
		return usage_error(o->cmd, "--candidates must be a whole number from 1 to %d", SEEDSTORE_MAX);
	if (o->failed && parse_int64(o->failed, 0, n, &failed) < 0)
		return usage_error(o->cmd, "--failed must be a whole number from 0 to --candidates (%lld)",
				   (long long)n);
	rc = orgstore_find(o->org, &org);
	if (rc == ST_NOT_FOUND)
		rc = orgstore_create(o->org, &org);
	if (rc < 0)
		return store_failure(rc);
	rc = seed_job(org, o->job_title, &job);
	if (rc)
		return rc;
	rc = seedstore_fill(org, job, n, failed, seed_progress, NULL, &batch, &counts);
	if (rc < 0)
		return store_failure(rc);
	fprintf(stderr,
		"seed: job %lld batch %lld: shortlist %lld consider %lld reject %lld needs_review %lld failed %lld\n",
		(long long)job, (long long)batch, (long long)counts.shortlist, (long long)counts.consider,
		(long long)counts.reject, (long long)counts.needs_review, (long long)counts.failed);
	printf("%lld\n", (long long)job);
	return 0;
}

static int cmd_counters_check(const struct opts *o)
{
	struct db_result *res = NULL;
	int rc, i, j;

	(void)o;
	rc = counters_check(&res);
	if (rc < 0)
		return store_failure(rc);
	for (i = 0; i < db_rows(res); i++)
		for (j = 0; j < db_cols(res); j++)
			printf("%s%s", db_value(res, i, j) ? db_value(res, i, j) : "",
			       j + 1 < db_cols(res) ? " " : "\n");
	rc = db_rows(res) > 0 ? 1 : 0;
	if (rc)
		fprintf(stderr, "counters-check: %d counters differ from a full count\n", db_rows(res));
	db_result_free(res);
	return rc;
}

static int cmd_counters_rebuild(const struct opts *o)
{
	int64_t wrong = 0;
	int rc;

	(void)o;
	rc = counters_rebuild(&wrong);
	if (rc < 0)
		return store_failure(rc);
	printf("%lld\n", (long long)wrong);
	return 0;
}

static void print_statements(const struct counters_statement *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s|%s|%s\n", s[i].name, s[i].args, s[i].sql);
}

static int cmd_statements(const struct opts *o)
{
	const struct counters_statement *s;
	const char *name, *sql;
	size_t n, i;

	(void)o;
	s = counters_statements(&n);
	print_statements(s, n);
	s = progress_statements(&n);
	print_statements(s, n);
	s = neardup_statements(&n);
	print_statements(s, n);
	for (i = 0; (sql = metrics_statement_sql(i, &name)) != NULL; i++)
		printf("%s||%s\n", name, sql);
	return 0;
}

static int cmd_statements_stores(const struct opts *o)
{
	const struct counters_statement *(*const lists[])(size_t *) = {
		jobstore_statements,	keystore_statements,	outbox_statements,	 ranking_statements,
		uploadslot_statements,	resumestore_statements, arrival_statements,	 queue_statements,
		resultstore_statements, prune_statements,	queuemetrics_statements, jobsummary_statements,
		opsreport_statements,	budget_statements,	jobprep_statements,	 audit_statements,
		hold_statements,
	};
	const struct counters_statement *s;
	size_t n, i;

	(void)o;
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		s = lists[i](&n);
		print_statements(s, n);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;
	char err[512];
	struct opts o;
	size_t i;
	int words = 0, rc;

	if (argc < 2)
		return usage_error(NULL, NULL);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		print_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands) && !c; i++)
		if ((words = command_words(&commands[i], argc, argv)) > 0)
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "error: unknown command '%s%s%s'\n\n", argv[1], argc > 2 ? " " : "",
			argc > 2 ? argv[2] : "");
		/* "user frobnicate" lists the user commands; anything else lists them all. */
		if (print_commands(stderr, argv[1]) == 0)
			print_usage(stderr);
		return EX_USAGE;
	}
	rc = parse_opts(c, argc, argv, 1 + words, &o);
	if (rc == 1) {
		print_command_usage(stdout, c);
		return 0;
	}
	if (rc)
		return rc;
	if (config_load(NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: bad configuration: %s\n", err);
		return EX_CONFIG;
	}
	log_init(argv[0]);
	log_set_level(LOG_WARN);
	rc = c->fn(&o);
	db_close();
	config_release();
	return rc;
}
