#!/usr/bin/env bash
# The command lines: shortlistctl's commands through its table (usage per
# command, options a command does not take refused, organisations and users
# through their stores) and the exit codes of shortlistctl and the drainer
# (64 usage, 65 bad data, 69 PostgreSQL down, 78 bad configuration; the
# drainer waits PostgreSQL out, which t0450 checks).
. "$(dirname "$0")/lib/test-lib.sh"

ORG="cli-$$"
DOWN_URL="postgresql://postgres@127.0.0.1:1/shortlist"
# expect_exit CODE DESCRIPTION COMMAND...: runs it (stdout and stderr to files) and checks its exit code.
expect_exit() {
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	rc=$?
	if ((rc == want)); then ok "$what (exit $rc)"; else not_ok "$what: exit $rc, expected $want: $(head -c 300 "$T_TMP/err")"; fi
}
err_has() { grep -qF -- "$1" "$T_TMP/err"; }
out_has() { grep -qF -- "$1" "$T_TMP/out"; }

# --- the command line
expect_exit 0 "--help" ctl --help
check "it lists every command" test "$(grep -cE '^  (migrate|org create|user create|user password|key create|config) ' "$T_TMP/out")" = 6
expect_exit 64 "no command" ctl
expect_exit 64 "an unknown command" ctl bogus
check "is named" err_has "unknown command 'bogus'"
expect_exit 64 "a group without its subcommand" ctl user
check "lists the group's commands" err_has "  user password --org NAME EMAIL"
check "and only them" test "$(grep -c '^  migrate' "$T_TMP/err")" = 0
expect_exit 64 "org create without NAME" ctl org create
check "says why" err_has "org create needs exactly one NAME"
check "with that command's usage" err_has "usage: shortlistctl org create NAME"
expect_exit 0 "a command's --help" ctl key create --help
check "prints its usage" out_has "usage: shortlistctl key create --org NAME [--user EMAIL] [--name LABEL]"
expect_exit 64 "an option the command does not take" ctl org create --admin "$ORG-admin"
check "is named" err_has "org create takes no --admin"
check "and nothing was made" test "$(sql "SELECT count(*) FROM organisations WHERE name = '$ORG-admin'")" = 0
expect_exit 64 "an option without its value" ctl user create --org
check "says so" err_has "--org needs a value"
expect_exit 64 "an unknown option" ctl config --verbose
expect_exit 64 "a plain argument too many" ctl migrate extra
expect_exit 64 "user create without --org" ctl user create "a-$$@example.com"
expect_exit 64 "a bad command line is refused before the configuration is read" \
	env SHORTLIST_API_RATE_PER_MINUTE=abc "$BIN/shortlistctl" org create
expect_exit 78 "bad configuration" env SHORTLIST_API_RATE_PER_MINUTE=abc "$BIN/shortlistctl" org create "$ORG-x"
expect_exit 0 "config" ctl config
check "prints the settings" out_has "SHORTLIST_API_RATE_PER_MINUTE="

# --- organisations
expect_exit 0 "org create" ctl org create "$ORG"
org_id=$(sql "SELECT id FROM organisations WHERE name = '$ORG'")
check "prints the new id" out_has "organisation $ORG created (id $org_id)"
expect_exit 65 "the same name again" ctl org create "$ORG"
check "says it exists" err_has "error: already exists"
expect_exit 69 "PostgreSQL down" env SHORTLIST_DATABASE_URL="$DOWN_URL" "$BIN/shortlistctl" org create "$ORG-down"
check "says so" err_has "error: database unavailable"

# --- users
expect_exit 0 "user create" ctl user create --org "$ORG" --name "Ann Lee" --admin "ann-$$@example.com"
user_id=$(sql "SELECT id FROM users WHERE email = 'ann-$$@example.com'")
check "prints the new id" out_has "user ann-$$@example.com created in $ORG (id $user_id)"
check "with its name and role, and no password" \
	test "$(sql "SELECT name || ',' || role || ',' || (password_hash IS NULL) FROM users WHERE id = $user_id")" = "Ann Lee,admin,true"
expect_exit 65 "the same email in another case" ctl user create --org "$ORG" "ANN-$$@example.com"
expect_exit 65 "an unknown organisation" ctl user create --org "nope-$$" "ann-$$@example.com"
check "is named" err_has "no organisation named 'nope-$$'"
expect_exit 64 "an email without '@'" ctl user create --org "$ORG" "ann-$$"
check "says so" err_has "EMAIL must contain '@'"
sql "INSERT INTO sessions (org_id, user_id, token_hash, expires_at) VALUES ($org_id, $user_id, sha256('cli-$$'::bytea), now() + interval '1 hour')" >/dev/null
echo "a long enough passphrase" | ctl user password --org "$ORG" "ANN-$$@example.com" >"$T_TMP/out" 2>"$T_TMP/err"
check "user password (any case of the email)" test $? = 0
check "prints what it did" out_has "password of ANN-$$@example.com in $ORG set; the user's sessions are signed out"
check "the hash is set" test "$(sql "SELECT password_hash LIKE '\$argon2id\$%' AND password_changed_at IS NOT NULL FROM users WHERE id = $user_id")" = t
check "and the user's session is signed out" \
	test "$(sql "SELECT count(*) FROM sessions WHERE user_id = $user_id AND revoked_at IS NULL")" = 0
expect_exit 65 "user password with nothing on standard input" ctl user password --org "$ORG" "ann-$$@example.com"
echo "a long enough passphrase" | ctl user password --org "$ORG" "nobody-$$@example.com" >/dev/null 2>"$T_TMP/err"
check "user password for nobody: exit 65" test $? = 65
check "names the user" err_has "no user 'nobody-$$@example.com' in '$ORG'"

# --- keys
expect_exit 0 "key create for a user" ctl key create --org "$ORG" --user "ann-$$@example.com" --name "cli"
check "prints the key alone on standard output" test "$(wc -l <"$T_TMP/out")" = 1
check "that belongs to the user" test "$(sql "SELECT user_id || ',' || name FROM api_keys WHERE org_id = $org_id")" = "$user_id,cli"
expect_exit 65 "key create for an unknown user" ctl key create --org "$ORG" --user "nobody-$$@example.com"

# --- the drainer's command line
expect_exit 64 "drainer without --once or --follow" "$BIN/drainer"
expect_exit 64 "drainer with an unknown argument" "$BIN/drainer" --once --bogus
expect_exit 78 "drainer with bad configuration" env SHORTLIST_API_RATE_PER_MINUTE=abc "$BIN/drainer" --once
