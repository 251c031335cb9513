# Shared by scripts/test and the bench scripts: installing Debian packages and a throwaway PostgreSQL.
# Source it; besides defining functions it only makes sure rustup's cargo is on PATH.

command -v cargo >/dev/null 2>&1 || export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# ensure_packages PKG...: installs the Debian packages that are missing (one apt-get update at most).
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# free_port: prints a TCP port nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_bin: the directory of the newest Debian PostgreSQL server binaries.
pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$dir" ] || { echo "no PostgreSQL server found: apt-get install postgresql" >&2; return 1; }
  echo "$dir"
}

# pg_start: initdb in a temporary directory, start on a free port with password auth, export
# PG_TEST_DIR, PG_TEST_PORT, PG_TEST_PASSWORD, PG_BIN and GO_WEB_TEST_DATABASE_URL. Stop it with pg_stop.
pg_start() {
  PG_BIN=$(pg_bin)
  PG_TEST_DIR=$(mktemp -d /tmp/lab-pg.XXXXXX)
  PG_TEST_PORT=$(free_port)
  PG_TEST_PASSWORD="test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  chown postgres "$PG_TEST_DIR"
  printf '%s\n' "$PG_TEST_PASSWORD" > "$PG_TEST_DIR/pwfile"
  chown postgres "$PG_TEST_DIR/pwfile"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=scram-sha-256 \
    --pwfile="$PG_TEST_DIR/pwfile" >"$PG_TEST_DIR/initdb.log" 2>&1 \
    || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 30 \
    -o "-p $PG_TEST_PORT -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off" \
    start >/dev/null || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
  GO_WEB_TEST_DATABASE_URL="postgres://postgres:$PG_TEST_PASSWORD@127.0.0.1:$PG_TEST_PORT/postgres"
  export PG_BIN PG_TEST_DIR PG_TEST_PORT PG_TEST_PASSWORD GO_WEB_TEST_DATABASE_URL
}

# pg_stop: stops the cluster pg_start made and removes its directory.
pg_stop() {
  [ -n "${PG_TEST_DIR:-}" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
  PG_TEST_DIR=
}
