#!/usr/bin/env bash
# Run a command with TEST_DATABASE_URL pointing at a PostgreSQL server.
#
#   .ci/postgres.sh go test ./...
#
# Where the URL comes from, first match wins:
#   1. TEST_DATABASE_URL already set: used as is, nothing is probed.
#   2. A server answers at PGPROBE_HOST:PGPROBE_PORT (127.0.0.1:5432): the URL
#      is postgres://postgres@HOST:PORT/postgres?sslmode=disable (trust auth,
#      as on dev machines and CI).
#   3. PostgreSQL is installed but not running: a throwaway cluster is made
#      with initdb in a temporary directory, started on a free port on
#      127.0.0.1 with its socket in that directory, and stopped and deleted
#      when the command ends, however it ends (exit, failure, Ctrl-C, TERM).
#      initdb refuses to run as root, so as root the cluster belongs to the
#      OS user PG_OS_USER (postgres), through runuser (or su).
#   4. Otherwise: a message saying what is missing, exit status 2.
# Tests create their own fresh database from the URL; this script only
# provides it.
#
# Knobs (environment):
#   TEST_DATABASE_URL  use this server, skip everything else
#   PGPROBE_HOST       host to probe for a running server (127.0.0.1)
#   PGPROBE_PORT       port to probe (5432); point it at a port where nothing
#                      listens to exercise the throwaway cluster
#   PG_BIN             directory holding initdb and pg_ctl (default: the
#                      newest /usr/lib/postgresql/*/bin, then PATH)
#   PG_OS_USER         OS user owning the throwaway cluster when run as root
#                      (postgres)
#   PG_TMPDIR          parent of the throwaway cluster's directory
#                      (TMPDIR, then /tmp; /tmp when root, so that
#                      PG_OS_USER can reach it)
#
# Exit status: the command's, or 2 when no server could be provided.
set -euo pipefail

me=postgres.sh
say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
	say "$*"
	exit 2
}

if [ $# -eq 0 ]; then
	die "usage: .ci/postgres.sh COMMAND [ARG...]   (runs COMMAND with TEST_DATABASE_URL set)"
fi

probe_host=${PGPROBE_HOST:-127.0.0.1}
probe_port=${PGPROBE_PORT:-5432}
os_user=${PG_OS_USER:-postgres}

# find_bin NAME: print the path of a PostgreSQL program, or nothing.
find_bin() {
	local name=$1 dir
	if [ -n "${PG_BIN:-}" ]; then
		[ -x "$PG_BIN/$name" ] && printf '%s\n' "$PG_BIN/$name"
		return 0
	fi
	# Newest version first: sort -V on the version directory.
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		if [ -x "$dir/$name" ]; then
			printf '%s\n' "$dir/$name"
			return 0
		fi
	done
	command -v "$name" 2>/dev/null || true
}

# tcp_open HOST PORT: is something listening there?
tcp_open() {
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# server_ready HOST PORT: does a PostgreSQL server accept connections there?
server_ready() {
	local isready
	isready=$(find_bin pg_isready)
	[ -n "$isready" ] || isready=$(command -v pg_isready 2>/dev/null || true)
	if [ -n "$isready" ]; then
		"$isready" -q -h "$1" -p "$2" -t 3
	else
		tcp_open "$1" "$2"
	fi
}

# A background job of a non-interactive shell starts with SIGINT and SIGQUIT
# ignored; GNU env (coreutils >= 8.31) can give them back their defaults.
if env --default-signal=INT,QUIT true 2>/dev/null; then
	default_signals=(env --default-signal=INT,QUIT)
else
	default_signals=()
fi

# run_child: run "$@" in the background and wait for it, forwarding INT,
# TERM and HUP to it, so that the script (and the cleanup trap) acts on a
# signal sent to it alone as soon as the command is gone; exit with the
# command's status.
run_child() {
	local child rc
	# An explicit <&0: a background job would otherwise read /dev/null.
	"${default_signals[@]}" "$@" <&0 &
	child=$!
	trap 'kill -INT "$child" 2>/dev/null || true' INT
	trap 'kill -TERM "$child" 2>/dev/null || true' TERM HUP
	rc=0
	wait "$child" || rc=$?
	# wait returns early (status > 128) when a trap ran; wait for the
	# command itself to finish.
	while kill -0 "$child" 2>/dev/null; do
		wait "$child" || rc=$?
	done
	exit "$rc"
}

# 1. Given.
if [ -n "${TEST_DATABASE_URL:-}" ]; then
	say "using TEST_DATABASE_URL as given"
	export TEST_DATABASE_URL
	run_child "$@"
fi

# 2. Running server.
if server_ready "$probe_host" "$probe_port"; then
	url_host=$probe_host
	case $url_host in *:*) url_host="[$url_host]" ;; esac # IPv6 literal
	export TEST_DATABASE_URL="postgres://postgres@$url_host:$probe_port/postgres?sslmode=disable"
	say "PostgreSQL is running at $probe_host:$probe_port; TEST_DATABASE_URL=$TEST_DATABASE_URL"
	run_child "$@"
fi

# 3. Throwaway cluster.
initdb=$(find_bin initdb)
pg_ctl=$(find_bin pg_ctl)
if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
	die "PostgreSQL not found: nothing answers at $probe_host:$probe_port and no initdb/pg_ctl in ${PG_BIN:-/usr/lib/postgresql/*/bin or PATH}. Install the postgresql package (or start it), set PG_BIN, or set TEST_DATABASE_URL."
fi

if [ "$(id -u)" -eq 0 ]; then
	id "$os_user" >/dev/null 2>&1 ||
		die "running as root and OS user '$os_user' does not exist; initdb refuses to run as root. Create the user, set PG_OS_USER to another one, or set TEST_DATABASE_URL."
	tmp_parent=${PG_TMPDIR:-/tmp}
	if command -v runuser >/dev/null; then
		as_owner() { runuser -u "$os_user" -- "$@"; }
	else
		as_owner() { su -s /bin/sh "$os_user" -c "$(printf '%q ' "$@")"; }
	fi
else
	tmp_parent=${PG_TMPDIR:-${TMPDIR:-/tmp}}
	as_owner() { "$@"; }
fi

# Short path: the socket path must stay under ~107 bytes.
dir=$(mktemp -d "$tmp_parent/accountd-pg.XXXXXX")
started=

cleanup() {
	local rc=$?
	# Finish cleaning up even if interrupted again.
	trap '' INT TERM HUP
	trap - EXIT
	if [ -n "$started" ]; then
		# The data is thrown away: immediate is the quickest clean stop.
		if ! (cd "$dir" && as_owner "$pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1); then
			# Last resort: the postmaster's PID is the first line of its pid file.
			local pid
			pid=$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)
			[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$dir"
	if [ -n "$started" ]; then
		say "throwaway PostgreSQL stopped and removed"
	else
		say "removed $dir"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$(id -u)" -eq 0 ]; then
	chown "$os_user:" "$dir"
	as_owner sh -c 'test -w "$1"' sh "$dir" ||
		die "OS user '$os_user' cannot write $dir; set PG_TMPDIR to a directory it can reach"
fi

say "no PostgreSQL at $probe_host:$probe_port; starting a throwaway cluster in $dir with $(dirname "$initdb")"
# cd: the programs run as another user, who may not be able to reach the
# current directory.
if ! (cd "$dir" && as_owner "$initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync --no-instructions >"$dir/initdb.log" 2>&1); then
	cat "$dir/initdb.log" >&2
	die "initdb failed"
fi

# free_port: a port on 127.0.0.1 where nothing listens (pg_ctl start below
# still fails cleanly if another process takes it meanwhile).
free_port() {
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		tcp_open 127.0.0.1 "$port" || {
			echo "$port"
			return 0
		}
	done
	return 1
}

for attempt in 1 2 3; do
	port=$(free_port) || die "no free TCP port found on 127.0.0.1"
	started=1 # from here on, cleanup stops whatever pg_ctl got going
	# fsync and friends off: a cluster that lives for one test run.
	if (cd "$dir" && as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start); then
		break
	fi
	if [ "$attempt" -eq 3 ]; then
		say "pg_ctl start failed; server log:"
		tail -n 30 "$dir/server.log" >&2 || true
		die "could not start a throwaway PostgreSQL cluster"
	fi
	say "pg_ctl start failed on port $port; trying another port"
	(cd "$dir" && as_owner "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1) || true
done

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
say "throwaway PostgreSQL $("$pg_ctl" --version | sed "s/^pg_ctl (PostgreSQL) //") on 127.0.0.1:$port; TEST_DATABASE_URL=$TEST_DATABASE_URL"

# run_child exits with the command's status; the EXIT trap then removes the
# cluster and keeps that status.
run_child "$@"
