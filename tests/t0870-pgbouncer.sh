#!/usr/bin/env bash
# PgBouncer in transaction mode in front of PostgreSQL: a second stack (the
# "pool" instance: its own pgbouncer, lighttpd with every handler, three
# drainers, all with SHORTLIST_DB_POOLER=transaction) on the test instance's
# PostgreSQL, memcached, S3, SMTP sink and fake LLM. A job, an upload, the
# drainers woken by the NOTIFY the upload's transaction sent through
# pgbouncer (their LISTEN has its own direct connection), the shortlist,
# the batch status and emails sent; then a burst of concurrent requests
# while the connections PostgreSQL holds are counted: bounded by the pool,
# not by the number of processes.
. "$(dirname "$0")/lib/test-lib.sh"

command -v pgbouncer >/dev/null || skip_all "pgbouncer is not installed (scripts/bootstrap installs it)"
POOL_HTTP=${SHORTLIST_T0870_HTTP_PORT:-26300}
POOL_PGB=${SHORTLIST_T0870_PGBOUNCER_PORT:-26301}
POOL_METRICS=${SHORTLIST_T0870_METRICS_PORT:-26302}
POOL_MAX=10 # max_db_connections in infra/pgbouncer/pgbouncer.ini
grep -q "^max_db_connections = $POOL_MAX$" "$ROOT/infra/pgbouncer/pgbouncer.ini" ||
	skip_all "infra/pgbouncer/pgbouncer.ini no longer says max_db_connections = $POOL_MAX; update this test"
for p in "$POOL_HTTP" "$POOL_PGB"; do
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && skip_all "port $p is taken (set SHORTLIST_T0870_HTTP_PORT / _PGBOUNCER_PORT)"
done

POOL_ENV=(SHORTLIST_INSTANCE=pool SHORTLIST_HTTP_PORT="$POOL_HTTP" SHORTLIST_METRICS_PORT="$POOL_METRICS" SHORTLIST_PGBOUNCER=1 SHORTLIST_PGBOUNCER_PORT="$POOL_PGB")
POOL_URL="http://127.0.0.1:$POOL_HTTP"
pool_services() { env "${POOL_ENV[@]}" "$ROOT/scripts/services" "$@"; }
# Runs a program with the pool instance's configuration (loaded over the test instance's exported one).
in_pool() { env "${POOL_ENV[@]}" bash -c '. "$0/scripts/lib.sh"; load_config; exec "$@"' "$ROOT" "$@"; }
pgb() { psql -h 127.0.0.1 -p "$POOL_PGB" -U postgres -d pgbouncer -Atq -F'|' -c "$1"; }
DRAINERS=()
stop_pool() {
	local pid
	for pid in "${DRAINERS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${DRAINERS[@]}"; do wait "$pid" 2>/dev/null; done
	DRAINERS=()
	pool_services stop pgbouncer lighttpd >/dev/null 2>&1
}
trap 'rc=$?; stop_pool; (exit $rc); t_finish' EXIT
trap 'exit 1' TERM INT # the runner's time limit: still stop the pool stack
T0=$(date +%s)
elapsed() { echo "# ($(($(date +%s) - T0)) s) $*"; }

PG_LOG="$ROOT/var/test/log/postgresql.log"
pg_log_start=$(stat -c %s "$PG_LOG" 2>/dev/null || echo 0)
if ! pool_services start pgbouncer lighttpd >"$T_TMP/start.log" 2>&1; then
	not_ok "the pool stack did not start: $(tail -n 5 "$T_TMP/start.log")"
	exit 1
fi
ok "pgbouncer and lighttpd started for the pool instance"
CONF="$ROOT/var/pool/shortlist.env"
check "statements go through pgbouncer" grep -q "^SHORTLIST_DATABASE_URL='host=127.0.0.1 port=$POOL_PGB " "$CONF"
check "LISTEN goes to PostgreSQL itself" grep -q "^SHORTLIST_DATABASE_LISTEN_URL='host=127.0.0.1 port=$SHORTLIST_PG_PORT " "$CONF"
check "the pooler mode is transaction" grep -q "^SHORTLIST_DB_POOLER='transaction'" "$CONF"
check "pgbouncer runs in transaction mode" test "$(pgb "SHOW CONFIG" | awk -F'|' '$1 == "pool_mode" {print $2}')" = transaction

# --- the CLI through pgbouncer: migrations (transaction-scoped advisory lock) and an organisation
check "shortlistctl migrate runs through pgbouncer" in_pool "$BIN/shortlistctl" migrate
ORG="pgbouncer-$$"
KEY=$(in_pool "$BIN/shortlistctl" org create "$ORG" >/dev/null && in_pool "$BIN/shortlistctl" key create --org "$ORG" 2>/dev/null)
check "an organisation and a key made through pgbouncer" test -n "$KEY"
A=(-H "Authorization: Bearer $KEY")

# --- three drainers, each listening on a direct connection
for i in 1 2 3; do
	# Not through in_pool: $! must be the drainer itself (env, bash and the drainer are one process by exec).
	env "${POOL_ENV[@]}" bash -c '. "$0/scripts/lib.sh"; load_config; exec "$@"' "$ROOT" "$BIN/drainer" --follow \
		>"$T_TMP/drainer$i.log" 2>&1 &
	DRAINERS+=($!)
done
listeners() { sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'shortlist' AND application_name = 'shortlist-listen' AND query LIKE 'LISTEN %'"; }
three_listeners() { (($(listeners) >= 3)); }
if eventually 30 three_listeners; then ok "three drainers LISTEN on connections of their own"; else not_ok "listeners: $(listeners), expected 3"; fi
check "no LISTEN connection goes through pgbouncer" test "$(pgb "SHOW CLIENTS" | grep -c '|shortlist-listen$')" = 0

# --- a job, an upload, the drainers (woken by NOTIFY) score it
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux. 3+ years."}' \
	"$POOL_URL/api/v1/jobs" | jq -r .id)
check "a job made through the pool stack" test "${JOB:-null}" != null
curl -s -o /dev/null "${A[@]}" -X PUT -H "Content-Type: application/json" --data '{"company":"Pool Labs"}' \
	"$POOL_URL/api/v1/jobs/$JOB/company"
N=12
mkdir -p "$T_TMP/r"
for ((i = 1; i <= N; i++)); do
	printf '%s\n' "Candidate Pool $i" "Email: pool$i-$$@candidates.example" "" "Experience" \
		"Software Engineer, Acme (2018 - 2024)" \
		"Built backend services in C and Go on PostgreSQL and Linux, run $i of $$." \
		"Education" "BSc Computer Science, University of Somewhere (2014 - 2018)" >"$T_TMP/r/r$i.txt"
done
args=()
for f in "$T_TMP"/r/*; do args+=(-F "f=@$f"); done
curl -s "${A[@]}" "${args[@]}" "$POOL_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "$N resumes accepted" test "$(jq .accepted "$T_TMP/upload.json")" = "$N"
BATCH=$(jq -r .batch_id "$T_TMP/upload.json")
unsettled() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')"; }
settled() { (($(unsettled) == 0)); }
if eventually 120 settled; then ok "the drainers processed every resume"; else not_ok "$(unsettled) resumes still pending"; fi
elapsed "uploaded and processed"
check "every resume scored or needing review (the local scorer's verdict on short resumes)" \
	test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('scored', 'needs_review')")" = "$N"
check "one current analysis each" test "$(sql "SELECT count(*) FROM analyses a JOIN resumes r ON r.id = a.resume_id WHERE r.job_id = $JOB AND a.is_current")" = "$N"

BASE_URL=$POOL_URL # every request below goes to the pool stack
http GET "/api/v1/jobs/$JOB/candidates?limit=50" "${A[@]}"
expect_status 200 "the shortlist"
expect_json '.items | length' "$N" "every candidate is on it"
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_status 200 "the batch status"
expect_json '.state' finished "the batch is finished"
expect_json '.counts.scored + .counts.needs_review' "$N" "its counts"

ids=$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM resumes WHERE job_id = $JOB AND status IN ('scored', 'needs_review') ORDER BY id LIMIT 3) s")
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" -H "Content-Type: application/json" \
	--data "{\"kind\":\"invite\",\"candidate_ids\":[$ids],\"recruiter_name\":\"Sam\",\"scheduling_link\":\"https://cal.example.com/sam\"}"
expect_status 202 "three invitations queued"
sent() { sql "SELECT count(*) FROM emails WHERE job_id = $JOB AND state = 'sent'"; }
all_sent() { (($(sent) == 3)); }
if eventually 60 all_sent; then ok "the drainers sent them"; else not_ok "sent: $(sent) of 3"; fi
elapsed "emails sent"

# --- many processes, few PostgreSQL connections
# Connections to PostgreSQL from this pgbouncer: its server connections, as PostgreSQL sees them.
from_pgbouncer() {
	local ports
	ports=$(pgb "SHOW SERVERS" | awk -F'|' '$3 == "shortlist" {print $8}' | paste -sd, -)
	[[ -n $ports ]] || ports=0
	sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'shortlist' AND client_port IN ($ports)"
}
clients() { pgb "SHOW CLIENTS" | awk -F'|' '$3 == "shortlist"' | wc -l; }
sample() {
	local n max=0
	while [[ ! -f $T_TMP/burst.done ]]; do
		n=$(from_pgbouncer)
		((n > max)) && max=$n && echo "$max" >"$T_TMP/max"
		sleep 0.1
	done
}
echo 0 >"$T_TMP/max"
sample &
SAMPLER=$!
mkdir -p "$T_TMP/burst"
BURST=30
for ((i = 1; i <= BURST; i++)); do
	{
		printf '%s\n' "Burst Candidate $i" "Email: burst$i-$$@candidates.example" "Experience" "Software Engineer, Acme (2018 - 2024)"
		for ((j = 0; j < 400; j++)); do echo "Built backend services in C and Go on PostgreSQL and Linux ($i.$j, run $$)."; done
	} >"$T_TMP/burst/b$i.txt"
done
# $BURST uploads (one 30 KB file each, sent slowly so that each holds its handler process for about
# two seconds) and 60 reads at once: lighttpd gives them to its idle processes.
(for ((i = 1; i <= BURST; i++)); do
	curl -s -o /dev/null --limit-rate 15k "${A[@]}" -F "f=@$T_TMP/burst/b$i.txt" "$POOL_URL/api/v1/jobs/$JOB/resumes" &
done
for ((i = 1; i <= 20; i++)); do
	curl -s -o /dev/null "${A[@]}" "$POOL_URL/api/v1/jobs?limit=5" &
	curl -s -o /dev/null "${A[@]}" "$POOL_URL/api/v1/jobs/$JOB/candidates?limit=20" &
	curl -s -o /dev/null "${A[@]}" "$POOL_URL/api/v1/process/status/$BATCH" &
done
wait)
elapsed "burst sent"
if eventually 120 settled; then ok "the burst's resumes were processed too"; else not_ok "$(unsettled) burst resumes pending"; fi
elapsed "burst processed"
touch "$T_TMP/burst.done"
wait "$SAMPLER"
lighttpd_pid=$(pgrep -f "lighttpd -D -f $ROOT/var/pool/lighttpd.conf" | head -n 1)
procs=$(pgrep -P "${lighttpd_pid:-0}" | wc -l)
n_clients=$(clients)
n_servers=$(from_pgbouncer)
max_servers=$(cat "$T_TMP/max")
n_listen=$(listeners)
echo "# processes: lighttpd runs $procs handler processes, plus 3 drainers; $n_clients of them hold a connection to pgbouncer"
echo "# PostgreSQL connections: $n_servers from pgbouncer now, at most $max_servers during the burst (pool bound $POOL_MAX), plus $n_listen direct LISTEN connections"
check "more processes are connected to pgbouncer ($n_clients) than the pool allows PostgreSQL connections ($POOL_MAX)" \
	test "$n_clients" -gt "$POOL_MAX"
check "PostgreSQL never held more than the pool's $POOL_MAX connections from pgbouncer (at most $max_servers)" \
	test "$max_servers" -le "$POOL_MAX"
check "pgbouncer did use PostgreSQL ($max_servers connections)" test "$max_servers" -ge 1
check "connections to PostgreSQL in all: at most the pool plus one LISTEN per drainer" \
	test "$((n_servers + n_listen))" -le "$((POOL_MAX + 3))"
check "every burst upload became a processed resume" \
	test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('scored', 'needs_review')")" = "$((N + BURST))"

# --- the drainers were woken by notifications, and nothing relied on a prepared statement
for pid in "${DRAINERS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
for pid in "${DRAINERS[@]}"; do wait "$pid" 2>/dev/null; done
DRAINERS=()
woken=$(cat "$T_TMP"/drainer*.log | jq -rR 'fromjson? | .msg // "" | select(test("^drain: woken"))' |
	awk '{s += $3} END {print s + 0}')
echo "# the three drainers were woken $woken times by a notification"
check "NOTIFY sent through pgbouncer woke the drainers ($woken times)" test "$woken" -ge 1
check "PostgreSQL logged no error about prepared statements" \
	test "$(tail -c +"$((pg_log_start + 1))" "$PG_LOG" 2>/dev/null | grep -c 'prepared statement')" = 0
check "pgbouncer logged no error" test "$(grep -c ' ERROR ' "$ROOT/var/pool/pgbouncer/pgbouncer.log")" = 0

# --- pgbouncer restarted: each handler's next statement finds its connection closed, reconnects and runs
pool_services stop pgbouncer >/dev/null 2>&1
http GET "/api/v1/jobs/$JOB/candidates?limit=5" "${A[@]}"
check "pgbouncer down: the shortlist answers 503 ($STATUS)" test "$STATUS" = 503
pool_services start pgbouncer >/dev/null 2>&1
http GET "/api/v1/jobs/$JOB/candidates?limit=5" "${A[@]}"
expect_status 200 "pgbouncer back: the shortlist answers again, no handler restarted"
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_status 200 "and the batch status"
