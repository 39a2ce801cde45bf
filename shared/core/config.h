/* config: the one configuration every program reads, from the environment and an optional file. */
#ifndef SHORTLIST_CONFIG_H
#define SHORTLIST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every setting, once: X(type, field, NAME, default, min, max, secret, doc).
 * type is STR, INT or BOOL; min/max bound INT values. Secrets are masked by
 * config_dump(). The README's configuration table lists the same rows
 * (`shortlistctl config --markdown` prints it).
 */
/* clang-format off */
#define CONFIG_KEYS(X)                                                                                                                     \
	X(STR, log_level, "SHORTLIST_LOG_LEVEL", "info", 0, 0, false, "debug, info, warn or error")                                            \
	X(STR, public_url, "SHORTLIST_PUBLIC_URL", "http://127.0.0.1:8080", 0, 0, false, "base URL users reach the service at")                 \
	X(INT, http_port, "SHORTLIST_HTTP_PORT", "8080", 1, 65535, false, "lighttpd port (scripts)")                                          \
	X(INT, pg_port, "SHORTLIST_PG_PORT", "15400", 1, 65535, false, "local PostgreSQL port (scripts)")                                     \
	X(INT, memcached_port, "SHORTLIST_MEMCACHED_PORT", "11311", 1, 65535, false, "local memcached port (scripts)")                        \
	X(INT, s3_port, "SHORTLIST_S3_PORT", "4569", 1, 65535, false, "local S3 server port (scripts)")                                      \
	X(INT, smtp_port, "SHORTLIST_SMTP_PORT", "1025", 1, 65535, false, "local SMTP sink port (scripts)")                                   \
	X(INT, mail_web_port, "SHORTLIST_MAIL_WEB_PORT", "1080", 1, 65535, false, "local SMTP sink web page port (scripts)")                 \
	X(INT, metrics_port, "SHORTLIST_METRICS_PORT", "9464", 1, 65535, false, "loopback port of the metrics listener (scripts)")          \
	X(STR, metrics_file, "SHORTLIST_METRICS_FILE", "", 0, 0, false, "shared file of every process's counters (empty: none kept)")       \
	X(STR, database_url, "SHORTLIST_DATABASE_URL", "host=127.0.0.1 port=15400 dbname=shortlist user=postgres", 0, 0, true,                 \
	  "libpq connection string")                                                                                                           \
	X(INT, db_statement_timeout_ms, "SHORTLIST_DB_STATEMENT_TIMEOUT_MS", "10000", 0, 3600000, false, "per-statement timeout (0: none)")    \
	X(INT, db_idle_in_transaction_timeout_ms, "SHORTLIST_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "30000", 0, 3600000, false,          \
	  "PostgreSQL ends a session idle inside a transaction this long, releasing its locks (0: never)")                       \
	X(STR, db_pooler, "SHORTLIST_DB_POOLER", "", 0, 0, false,                                                                 \
	  "transaction when SHORTLIST_DATABASE_URL is a transaction-mode pooler such as pgbouncer: unnamed statements, no session state (empty: direct)") \
	X(STR, database_listen_url, "SHORTLIST_DATABASE_LISTEN_URL", "", 0, 0, true,                                                \
	  "libpq connection string of the drainer's LISTEN connection, straight to PostgreSQL (empty: SHORTLIST_DATABASE_URL)")   \
	X(BOOL, pgbouncer, "SHORTLIST_PGBOUNCER", "false", 0, 0, false, "run a local pgbouncer and send statements through it (scripts)") \
	X(INT, pgbouncer_port, "SHORTLIST_PGBOUNCER_PORT", "15401", 1, 65535, false, "local pgbouncer port (scripts)")         \
	X(INT, procs_jobs, "SHORTLIST_PROCS_JOBS", "0", 0, 256, false,                                                        \
	  "processes of the jobs pool: jobs and every route not listed below (scripts; 0: two per core)")                     \
	X(INT, procs_candidates, "SHORTLIST_PROCS_CANDIDATES", "0", 0, 256, false,                                            \
	  "processes of the candidates pool: shortlists, candidates, batch status, audits (scripts; 0: two per core)")        \
	X(INT, procs_storage, "SHORTLIST_PROCS_STORAGE", "0", 0, 256, false,                                                  \
	  "processes of the storage pool: presigned uploads, S3 events, downloads (scripts; 0: two per core)")                \
	X(INT, procs_account, "SHORTLIST_PROCS_ACCOUNT", "0", 0, 256, false,                                                  \
	  "processes of the account pool: sign-in, keys, stats (scripts; 0: one per core)")                                   \
	X(INT, procs_emails, "SHORTLIST_PROCS_EMAILS", "0", 0, 256, false,                                                    \
	  "processes of the emails pool: templates, sending, delivery status (scripts; 0: one per core)")                     \
	X(INT, procs_upload, "SHORTLIST_PROCS_UPLOAD", "0", 0, 1024, false,                                                   \
	  "processes of the upload pool: streamed multipart uploads (scripts; 0: twelve per core)")                           \
	X(INT, procs_health, "SHORTLIST_PROCS_HEALTH", "0", 0, 64, false,                                                     \
	  "processes of the health pool: /healthz, /readyz, lighttpd's error pages (scripts; 0: two)")                        \
	X(STR, memcached_servers, "SHORTLIST_MEMCACHED_SERVERS", "127.0.0.1:11311", 0, 0, false,                        \
	  "comma-separated host:port[:weight] list, one pool placed by consistent hashing")                             \
	X(STR, s3_endpoint, "SHORTLIST_S3_ENDPOINT", "", 0, 0, false, "S3 base URL; empty means AWS (https://s3.REGION.amazonaws.com)")       \
	X(STR, s3_region, "SHORTLIST_S3_REGION", "us-east-1", 0, 0, false, "S3 region used in SigV4")                                         \
	X(STR, s3_bucket, "SHORTLIST_S3_BUCKET", "shortlist", 0, 0, false, "bucket for resumes")                                              \
	X(STR, s3_access_key, "SHORTLIST_S3_ACCESS_KEY", "", 0, 0, true, "S3 access key id")                                                  \
	X(STR, s3_secret_key, "SHORTLIST_S3_SECRET_KEY", "", 0, 0, true, "S3 secret access key")                                              \
	X(BOOL, s3_path_style, "SHORTLIST_S3_PATH_STYLE", "false", 0, 0, false, "path-style URLs instead of virtual-host style")               \
	X(INT, s3_part_size, "SHORTLIST_S3_PART_SIZE", "5242880", 5242880, 1073741824, false, "multipart upload part size in bytes")          \
	X(INT, s3_presign_ttl, "SHORTLIST_S3_PRESIGN_TTL", "900", 1, 604800, false, "presigned URL lifetime in seconds")                    \
	X(INT, upload_sweep_after_seconds, "SHORTLIST_UPLOAD_SWEEP_AFTER_SECONDS", "600", 1, 604800, false,                               \
	  "seconds after a presigned link expired before its upload is settled (a lost S3 event's file is recorded)")                     \
	X(INT, multipart_sweep_after_seconds, "SHORTLIST_MULTIPART_SWEEP_AFTER_SECONDS", "86400", 0, 31536000, false,                    \
	  "age in seconds after which an unfinished S3 multipart upload under orgs/ is aborted by the drainer (0: no sweep)")               \
	X(STR, s3_event_secret, "SHORTLIST_S3_EVENT_SECRET", "", 0, 0, true, "shared secret expected on S3 event notifications")             \
	X(INT, probe_timeout_ms, "SHORTLIST_PROBE_TIMEOUT_MS", "2000", 50, 30000, false,                                                    \
	  "total timeout of each /readyz dependency probe (no answer within it: slow, not down)")                                         \
	X(INT, probe_budget_ms, "SHORTLIST_PROBE_BUDGET_MS", "2500", 100, 60000, false,                                                    \
	  "longest one /readyz spends probing, every dependency together; keep it below the load balancer's check timeout")              \
	X(INT, probe_slow_ms, "SHORTLIST_PROBE_SLOW_MS", "500", 1, 60000, false,                                                            \
	  "a dependency whose probe answers later than this is reported slow (/readyz stays 200, degraded)")                              \
	X(INT, probe_timeouts_down_after_ms, "SHORTLIST_PROBE_TIMEOUTS_DOWN_AFTER_MS", "30000", 0, 3600000, false,                       \
	  "a dependency whose probes have failed (timed out) for this long is down")                                                      \
	X(INT, probe_connect_timeout_ms, "SHORTLIST_PROBE_CONNECT_TIMEOUT_MS", "500", 10, 30000, false,                                    \
	  "connect timeout of the /readyz S3 probe (at most the total timeout)")                                                           \
	X(INT, probe_down_after, "SHORTLIST_PROBE_DOWN_AFTER", "3", 1, 100, false,                                                          \
	  "consecutive error answers before /readyz reports a dependency down (timeouts: SHORTLIST_PROBE_TIMEOUTS_DOWN_AFTER_MS); a refused connection is down at once") \
	X(INT, probe_reuse_ms, "SHORTLIST_PROBE_REUSE_MS", "1000", 0, 60000, false,                                                          \
	  "how long a host's processes reuse a dependency's last probe result (0: probe on every /readyz)")                            \
	X(INT, answer_cache_ms, "SHORTLIST_ANSWER_CACHE_MS", "2000", 0, 60000, false,                                                      \
	  "longest a kept answer of a shortlist page, candidate or batch status is served (0: no answer cache)")                         \
	X(INT, key_cache_ms, "SHORTLIST_KEY_CACHE_MS", "5000", 0, 60000, false,                                                             \
	  "longest an API key's check is reused from memcached (0: every request asks PostgreSQL); a revocation through the API, or a change of the blind view, is seen at once") \
	X(INT, answer_step_gap_ms, "SHORTLIST_ANSWER_STEP_GAP_MS", "500", 0, 60000, false,                                                \
	  "least time between a drainer's moves of an organisation's kept answers on (0: with every task)")                           \
	X(INT, max_body_bytes, "SHORTLIST_MAX_BODY_BYTES", "1048576", 1024, 104857600, false, "largest JSON request body")                   \
	X(INT, body_idle_timeout_ms, "SHORTLIST_BODY_IDLE_TIMEOUT_MS", "10000", 100, 50000, false,                                          \
	  "longest wait for more of a request body before the answer is 408 (below lighttpd's 60 s read idle limit)")                     \
	X(INT, api_rate_per_minute, "SHORTLIST_API_RATE_PER_MINUTE", "1200", 0, 100000000, false, "API requests per minute per API key (0: no limit)") \
	X(STR, api_rate_when_cache_down, "SHORTLIST_API_RATE_WHEN_CACHE_DOWN", "allow", 0, 0, false,                                        \
	  "allow or refuse requests when memcached cannot count them")                                                                     \
	X(INT, session_ttl, "SHORTLIST_SESSION_TTL", "43200", 300, 2592000, false, "lifetime of a web sign-in session in seconds")          \
	X(INT, login_max_failures, "SHORTLIST_LOGIN_MAX_FAILURES", "10", 1, 100000, false,                                                  \
	  "failed sign-ins per email per 15 minutes before further ones are refused")                                                      \
	X(STR, trusted_proxies, "SHORTLIST_TRUSTED_PROXIES", "", 0, 0, false,                                                                \
	  "comma-separated addresses and CIDR ranges (IPv4, IPv6) of proxies whose X-Forwarded-For/-Proto are believed")              \
	X(INT, ip_signin_per_minute, "SHORTLIST_IP_SIGNIN_PER_MINUTE", "60", 0, 100000000, false,                                          \
	  "sign-in attempts per minute per client address, refused before the password is hashed (0: no limit)")                      \
	X(INT, ip_unauth_per_minute, "SHORTLIST_IP_UNAUTH_PER_MINUTE", "600", 0, 100000000, false,                                         \
	  "unauthenticated requests (public routes, failed authentication) per minute per client address (0: no limit)")               \
	X(INT, ip_readyz_per_minute, "SHORTLIST_IP_READYZ_PER_MINUTE", "600", 0, 100000000, false,                                         \
	  "/readyz requests per minute per client address (0: no limit)")                                                              \
	X(INT, ip_metrics_per_minute, "SHORTLIST_IP_METRICS_PER_MINUTE", "120", 0, 100000000, false,                                       \
	  "/metrics requests per minute per client address (0: no limit)")                                                             \
	X(INT, max_json_depth, "SHORTLIST_MAX_JSON_DEPTH", "32", 2, 1000, false, "deepest nesting accepted in a JSON body")                  \
	X(INT, upload_max_file_bytes, "SHORTLIST_UPLOAD_MAX_FILE_BYTES", "20971520", 1, 5368709120LL, false, "largest resume file")       \
	X(INT, upload_max_files, "SHORTLIST_UPLOAD_MAX_FILES", "500", 1, 100000, false, "most files in one upload request")                  \
	X(INT, upload_max_total_bytes, "SHORTLIST_UPLOAD_MAX_TOTAL_BYTES", "2147483648", 1, 1099511627776LL, false,                          \
	  "largest upload request body")                                                                                                       \
	X(STR, llm_provider, "SHORTLIST_LLM_PROVIDER", "", 0, 0, false, "local or openai; empty: openai when an API key is set, else local")   \
	X(STR, openai_base_url, "SHORTLIST_OPENAI_BASE_URL", "https://api.openai.com/v1", 0, 0, false, "OpenAI-compatible API base URL")        \
	X(STR, openai_api_key, "SHORTLIST_OPENAI_API_KEY", "", 0, 0, true, "API key of the OpenAI-compatible provider")                        \
	X(STR, openai_model, "SHORTLIST_OPENAI_MODEL", "gpt-4o-mini", 0, 0, false, "model name")                                              \
	X(INT, llm_concurrency, "SHORTLIST_LLM_CONCURRENCY", "64", 1, 1024, false, "most LLM calls in flight per drainer")                  \
	X(INT, llm_timeout_ms, "SHORTLIST_LLM_TIMEOUT_MS", "60000", 100, 600000, false, "timeout of one LLM call")                           \
	X(INT, llm_rpm, "SHORTLIST_LLM_RPM", "0", 0, 10000000, false, "requests-per-minute budget (0: none)")                                 \
	X(INT, llm_tpm, "SHORTLIST_LLM_TPM", "0", 0, 1000000000, false, "tokens-per-minute budget (0: none)")                                 \
	X(STR, llm_prices, "SHORTLIST_LLM_PRICES", "", 0, 0, false,                                                                          \
	  "price-table entries added or replaced: MODEL=INPUT/CACHED/OUTPUT in USD per 1M tokens, comma-separated")                      \
	X(STR, llm_prices_file, "SHORTLIST_LLM_PRICES_FILE", "", 0, 0, false,                                                                \
	  "file of price-table entries, one a line: MODEL INPUT CACHED OUTPUT (USD per 1M tokens; # comments)")                         \
	X(INT, budget_recheck_seconds, "SHORTLIST_BUDGET_RECHECK_SECONDS", "30", 1, 86400, false,                                            \
	  "how often work waiting for a job's budget is looked at again (raising the budget wakes it at once)")                          \
	X(INT, llm_batch_min_resumes, "SHORTLIST_LLM_BATCH_MIN_RESUMES", "0", 0, 1000000, false,                                           \
	  "upload batches of at least this many resumes are scored through the OpenAI Batch API (0: only jobs that ask for it)")       \
	X(INT, llm_batch_collect_ms, "SHORTLIST_LLM_BATCH_COLLECT_MS", "30000", 0, 3600000, false,                                      \
	  "how long a provider batch takes requests before it is uploaded")                                                          \
	X(INT, llm_batch_poll_ms, "SHORTLIST_LLM_BATCH_POLL_MS", "60000", 100, 3600000, false,                                          \
	  "how often a provider batch in flight is looked at")                                                                        \
	X(INT, cache_ttl, "SHORTLIST_CACHE_TTL", "604800", 0, 2592000, false, "LLM cache entry lifetime in seconds")                        \
	X(INT, task_max_attempts, "SHORTLIST_TASK_MAX_ATTEMPTS", "5", 1, 100, false, "attempts before a task is discarded")                 \
	X(INT, task_lease_seconds, "SHORTLIST_TASK_LEASE_SECONDS", "60", 5, 86400, false, "lease of a claimed task")                        \
	X(INT, task_retention_days, "SHORTLIST_TASK_RETENTION_DAYS", "7", 1, 36500, false,                                               \
	  "days a succeeded task is kept after it finished before the drainer deletes it")                                              \
	X(INT, dead_task_retention_days, "SHORTLIST_DEAD_TASK_RETENTION_DAYS", "90", 1, 36500, false,                                  \
	  "days a discarded (dead-letter) task is kept after it finished before the drainer deletes it")                                \
	X(INT, upload_slot_retention_days, "SHORTLIST_UPLOAD_SLOT_RETENTION_DAYS", "30", 1, 36500, false,                              \
	  "days a received, rejected or expired upload slot is kept before the drainer deletes it")                                     \
	X(INT, extract_workers, "SHORTLIST_EXTRACT_WORKERS", "0", 0, 64, false, "text extraction child processes (0: one per core)")        \
	X(INT, extract_timeout_ms, "SHORTLIST_EXTRACT_TIMEOUT_MS", "20000", 100, 600000, false, "wall-clock limit of one extraction")       \
	X(INT, extract_cpu_seconds, "SHORTLIST_EXTRACT_CPU_SECONDS", "10", 1, 3600, false, "CPU limit of one extraction")                   \
	X(INT, extract_max_memory_mb, "SHORTLIST_EXTRACT_MAX_MEMORY_MB", "1024", 64, 65536, false, "address-space limit of an extractor")    \
	X(INT, extract_max_pages, "SHORTLIST_EXTRACT_MAX_PAGES", "50", 1, 10000, false, "pages read from one document")                      \
	X(STR, smtp_url, "SHORTLIST_SMTP_URL", "smtp://127.0.0.1:1025", 0, 0, false, "smtp:// or smtps:// relay URL")                       \
	X(STR, smtp_user, "SHORTLIST_SMTP_USER", "", 0, 0, true, "SMTP AUTH user")                                                           \
	X(STR, smtp_password, "SHORTLIST_SMTP_PASSWORD", "", 0, 0, true, "SMTP AUTH password")                                               \
	X(BOOL, smtp_starttls, "SHORTLIST_SMTP_STARTTLS", "false", 0, 0, false, "require STARTTLS on smtp:// URLs")                          \
	X(INT, smtp_pool, "SHORTLIST_SMTP_POOL", "4", 1, 64, false, "reused SMTP connections per drainer")                                  \
	X(INT, smtp_rate_per_second, "SHORTLIST_SMTP_RATE_PER_SECOND", "0", 0, 100000, false, "send-rate cap (0: none)")                    \
	X(STR, mail_from, "SHORTLIST_MAIL_FROM", "Shortlist <noreply@shortlist.localhost>", 0, 0, false, "From header of candidate emails") \
	X(STR, return_path, "SHORTLIST_RETURN_PATH", "", 0, 0, false,                                                                        \
	  "bounce address: bounces@example.com sends each email with MAIL FROM bounces+ID-SIG@example.com (empty: mail_from)")            \
	X(STR, mail_event_secret, "SHORTLIST_MAIL_EVENT_SECRET", "", 0, 0, true,                                                              \
	  "shared secret expected on bounce/complaint notifications and DSNs; also signs return paths")

/* clang-format on */

struct config {
#define CONFIG_FIELD_STR(f) const char *f;
#define CONFIG_FIELD_INT(f) int64_t f;
#define CONFIG_FIELD_BOOL(f) bool f;
#define CONFIG_FIELD(type, field, name, def, min, max, secret, doc) CONFIG_FIELD_##type(field)
	CONFIG_KEYS(CONFIG_FIELD)
#undef CONFIG_FIELD
};

/*
 * Loads the configuration: defaults, then the file named by path (or by the
 * SHORTLIST_CONFIG environment variable when path is NULL; no file is fine),
 * then the environment, which wins. Validates every value. On failure writes
 * a one-line reason to err and returns -1; on success returns 0 and the
 * configuration is readable through config() for the life of the process.
 */
int config_load(const char *path, char *err, size_t errlen);
/* Loads the configuration or prints the reason and exits 78 (EX_CONFIG). */
void config_load_or_die(const char *path);
/* Whether config_load() has succeeded. */
bool config_is_loaded(void);
/* The loaded configuration; read-only. Aborts when nothing is loaded. */
const struct config *config(void);

/* Writes "NAME=value" lines to stdout, secrets masked. */
void config_dump(void);
/* Writes the configuration reference as a Markdown table to stdout. */
void config_dump_markdown(void);
/* Frees what config_load allocated (for leak checks at exit). */
void config_release(void);

#endif
