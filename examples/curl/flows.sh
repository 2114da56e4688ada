#!/usr/bin/env bash
# Every canonical flow of accountd's /v1 API, with curl, one step at a time: register,
# activate, log in, the account, refresh, verify, sessions, password change, email
# change, password reset, logout, deletion. Each step prints what it sends and what comes
# back; a step that gets any other status than the expected one stops the script there,
# showing the answer (no value is ever read out of an error body).
#
# Run it next to an accountd whose emails land in a folder:
#
#   ACCOUNTD_MAILER=dir:///tmp/accountd-mail make run                 # terminal 1
#   ACCOUNTD_MAIL_DIR=/tmp/accountd-mail examples/curl/flows.sh       # terminal 2
#
# Without ACCOUNTD_MAIL_DIR, it asks you to paste each emailed token (with `make run`'s
# console mailer, the emails are printed in its terminal). ACCOUNTD_URL is accountd's
# base URL (http://localhost:8080). It creates an account named newcomer-<random> and
# deletes it at the end. Needs bash, curl and jq (apt-get install curl jq). The admin
# operations need a staff account: see docs/administration.md.
set -euo pipefail

BASE=${ACCOUNTD_URL:-http://localhost:8080}
MAIL_DIR=${ACCOUNTD_MAIL_DIR:-}
for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "flows.sh: $tool not found: apt-get install $tool" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/seen"

ACCESS= # the access token sent as Authorization: Bearer, when set

step() { printf '\n== %s\n' "$*"; }

# call STATUS METHOD PATH [JSON]: sends the request, prints it and the answer, and stops
# the script unless the answer's status is STATUS. The answer's body stays in
# $tmp/body for `field`.
call() {
	local expected=$1 method=$2 path=$3 body=${4-} status
	local args=(-sS -X "$method" -o "$tmp/body" -w '%{http_code}' -H 'Accept: application/json')
	if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' --data "$body"); fi
	if [ -n "$ACCESS" ]; then args+=(-H "Authorization: Bearer $ACCESS"); fi
	echo "> $method $path${body:+ $body}"
	status=$(curl "${args[@]}" "$BASE$path") || { echo "flows.sh: no answer from $BASE: is accountd running?" >&2; exit 1; }
	echo "< $status $(cat "$tmp/body")"
	if [ "$status" != "$expected" ]; then
		echo "flows.sh: $method $path answered $status, not $expected: stopping here" >&2
		exit 1
	fi
}

# field FILTER: a value of the last answer (a jq filter); fails when it is missing or null.
field() {
	jq -er "$1" "$tmp/body" || { echo "flows.sh: the answer has no $1" >&2; return 1; }
}

# body KEY VALUE ...: a JSON object of string values, quoted by jq.
body() {
	local args=()
	while [ $# -gt 0 ]; do args+=(--arg "$1" "$2"); shift 2; done
	jq -cn '$ARGS.named' "${args[@]}"
}

# note_mail: remembers the emails already in the folder, before a step that sends one.
note_mail() {
	if [ -n "$MAIL_DIR" ] && [ -d "$MAIL_DIR" ]; then ls "$MAIL_DIR" >"$tmp/seen"; fi
}

# emailed_token ADDRESS: the token of the link in the new email to ADDRESS (waiting for
# it up to 10 s), or the token you paste when there is no mail folder.
emailed_token() {
	local to=$1 file token
	if [ -z "$MAIL_DIR" ]; then
		read -r -p "Paste the token from the link emailed to $to: " token </dev/tty
		[ -n "$token" ] || { echo "flows.sh: no token given" >&2; return 1; }
		echo "$token"
		return
	fi
	for _ in $(seq 100); do
		# Newest first: the file names sort by sending time.
		for file in $(ls -r "$MAIL_DIR" 2>/dev/null | grep '\.eml$' || true); do
			grep -qxF "$file" "$tmp/seen" && continue
			grep -i '^To:' "$MAIL_DIR/$file" | grep -qiF "<$to>" || continue
			echo "$file" >>"$tmp/seen"
			# The body is quoted-printable: join the soft line breaks (= at the end of a
			# line) and decode =3D, the only escape in a link.
			token=$(tr -d '\r' <"$MAIL_DIR/$file" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g' |
				grep -o '[?&]token=[A-Za-z0-9._~-]*' | head -n 1 | cut -d= -f2)
			[ -n "$token" ] || { echo "flows.sh: the email $MAIL_DIR/$file has no link with a token" >&2; return 1; }
			echo "$token"
			return
		done
		sleep 0.1
	done
	echo "flows.sh: no new email to $to in $MAIL_DIR within 10 s (is accountd's ACCOUNTD_MAILER dir://$MAIL_DIR?)" >&2
	return 1
}

USER_NAME=newcomer-$RANDOM$RANDOM
EMAIL=$USER_NAME@example.com
PASSWORD=correct-horse-battery-staple

step "Is it up? Liveness, readiness, and the keys that sign access tokens"
call 200 GET /healthz
call 200 GET /readyz
call 200 GET /.well-known/jwks.json
echo "signing keys: $(jq -c '[.keys[] | {kid, alg}]' "$tmp/body")"
call 200 GET /v1/organizations

step "Register: a password too short is a 400 problem naming the field"
call 400 POST /v1/auth/register "$(body username "$USER_NAME" email "$EMAIL" password short)"
echo "problem code: $(field .code), field: $(field '.errors[0].field')"

step "Register: the account starts inactive, and an activation link is emailed"
note_mail
call 201 POST /v1/auth/register "$(body username "$USER_NAME" email "$EMAIL" password "$PASSWORD")"
token=$(emailed_token "$EMAIL")

step "Log in before activation: 403"
call 403 POST /v1/auth/login "$(body login "$USER_NAME" password "$PASSWORD")"

step "Activate with the token of the emailed link"
call 200 POST /v1/auth/activate "$(body token "$token")"

step "Log in with a wrong password: 401, with a request_id to quote"
call 401 POST /v1/auth/login "$(body login "$EMAIL" password wrong-password)"

step "Log in (with the username or the email): an access token and a refresh token"
call 200 POST /v1/auth/login "$(body login "$USER_NAME" password "$PASSWORD")"
ACCESS=$(field .access_token)
REFRESH=$(field .refresh_token)

step "The account, and a change to it"
call 200 GET /v1/me
USER_ID=$(field .id)
call 200 PATCH /v1/me "$(body first_name Ada last_name Lovelace)"

step "Ask accountd whether an access token is still good (RFC 7662)"
call 200 POST /v1/auth/verify "$(body token "$ACCESS")"
echo "active: $(field .active), user: $(field .sub)"

step "Refresh: a new pair; each refresh token works once"
call 200 POST /v1/auth/refresh "$(body refresh_token "$REFRESH")"
ACCESS=$(field .access_token)
REFRESH=$(field .refresh_token)
call 200 GET /v1/me

step "Sessions, events and the dashboard"
call 200 GET /v1/me/sessions
call 200 GET /v1/me/events
call 200 GET /v1/me/dashboard

step "A second session (another device), then end it from this one"
SAVED=$ACCESS
ACCESS=
call 200 POST /v1/auth/login "$(body login "$USER_NAME" password "$PASSWORD")"
ACCESS=$SAVED
call 200 GET /v1/me/sessions
OTHER=$(field '[.items[] | select(.current | not)][0].id')
call 204 DELETE "/v1/me/sessions/$OTHER"

step "Change the password: every other session ends, this one stays"
NEW_PASSWORD=another-horse-battery-staple
call 204 POST /v1/me/password "$(body current_password "$PASSWORD" new_password "$NEW_PASSWORD")"
PASSWORD=$NEW_PASSWORD

step "Change the email: a link goes to the new address, which changes once it is used"
NEW_EMAIL=$USER_NAME.new@example.com
note_mail
call 202 POST /v1/me/email "$(body new_email "$NEW_EMAIL" password "$PASSWORD")"
token=$(emailed_token "$NEW_EMAIL")
call 200 POST /v1/me/email/confirm "$(body token "$token")"
EMAIL=$NEW_EMAIL

step "Forgot the password: a reset link is emailed; the reset ends every session"
ACCESS=
note_mail
call 202 POST /v1/auth/password/forgot "$(body email "$EMAIL")"
token=$(emailed_token "$EMAIL")
NEW_PASSWORD=yet-another-horse-battery
call 204 POST /v1/auth/password/reset "$(body token "$token" new_password "$NEW_PASSWORD")"
PASSWORD=$NEW_PASSWORD
call 200 POST /v1/auth/login "$(body login "$EMAIL" password "$PASSWORD")"
ACCESS=$(field .access_token)

step "Log out: the session's access tokens are refused at once"
call 204 POST /v1/auth/logout '{}'
call 401 GET /v1/me

step "Delete the account (the password confirms it)"
ACCESS=
call 200 POST /v1/auth/login "$(body login "$USER_NAME" password "$PASSWORD")"
ACCESS=$(field .access_token)
call 204 DELETE /v1/me "$(body password "$PASSWORD")"
ACCESS=
call 401 POST /v1/auth/login "$(body login "$USER_NAME" password "$PASSWORD")"

printf '\nflows.sh: every flow went as expected (user %s, now deleted)\n' "$USER_ID"
