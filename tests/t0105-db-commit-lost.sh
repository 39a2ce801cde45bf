#!/usr/bin/env bash
# A process whose PostgreSQL connection dies during COMMIT gets a new one for
# its next statement. (An upload handler whose backend was ended by
# pg_terminate_backend at that moment used to answer 503 to every request
# after it, until it was restarted.)
. "$(dirname "$0")/lib/test-lib.sh"

T=commit_lost_$$
sql "CREATE TABLE $T (v text);
CREATE FUNCTION ${T}_die() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END \$\$;
CREATE CONSTRAINT TRIGGER ${T}_at_commit AFTER INSERT ON $T DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION ${T}_die();"
trap 'sql "DROP TABLE IF EXISTS $T; DROP FUNCTION IF EXISTS ${T}_die()" >/dev/null 2>&1; t_finish' EXIT

out=$("$TOOLS/db_commit_lost" "$T" 2>"$T_TMP/err")
rc=$?
echo "# $out"
check "the COMMIT failed (the backend ended itself)" grep -qE '^commit -[0-9]+' <<<"$out"
check "nothing was committed" test "$(sql "SELECT count(*) FROM $T")" = 0
check "the next statement on the same process succeeded" test "$rc" = 0
