# Shared by scripts/test and the bench scripts: installing Debian packages, a throwaway PostgreSQL, and the
# bench scripts' machine-readable records. Source it; besides defining functions it only makes sure rustup's
# cargo is on PATH.

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

# pg_start: starts scripts/throwaway-postgres (the one implementation, shared with the Rust tests) as a
# coprocess and exports PG_TEST_DIR, PG_TEST_PORT, PG_TEST_PASSWORD, PG_BIN and GO_WEB_TEST_DATABASE_URL
# from what it prints. The cluster lives until pg_stop, or until this shell exits, however it exits.
pg_start() {
  local here line
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  coproc PG_COPROC { "$here/throwaway-postgres"; }
  PG_COPROC_IN=${PG_COPROC[1]}
  while IFS= read -r line <&"${PG_COPROC[0]}"; do
    case "$line" in
      url=*) GO_WEB_TEST_DATABASE_URL=${line#url=} ;;
      port=*) PG_TEST_PORT=${line#port=} ;;
      password=*) PG_TEST_PASSWORD=${line#password=} ;;
      dir=*) PG_TEST_DIR=${line#dir=} ;;
      bin=*) PG_BIN=${line#bin=} ;;
      ready) break ;;
    esac
  done
  [ -n "${GO_WEB_TEST_DATABASE_URL:-}" ] || { echo "throwaway postgres did not start" >&2; return 1; }
  export PG_BIN PG_TEST_DIR PG_TEST_PORT PG_TEST_PASSWORD GO_WEB_TEST_DATABASE_URL
}

# pg_stop: closes the coprocess's stdin, which stops the cluster and removes its directory, and waits.
pg_stop() {
  [ -n "${PG_COPROC_IN:-}" ] || return 0
  local pid=${PG_COPROC_PID:-}
  eval "exec ${PG_COPROC_IN}>&-"
  PG_COPROC_IN=
  [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
}

# record COMPONENT SUBJECT MEASURE VALUE UNIT: appends one measurement to $BENCH_RECORDS (a TSV file) when
# that variable is set; does nothing otherwise. The bench scripts cd to the repository root first, so a
# relative path is taken from there. One line per call, the five fields tab-separated; MEASURE may be
# NAME@X, the point at x = X of series NAME. A VALUE that is not a plain decimal number ("n/a", "nan" or
# nothing, what a peer that failed leaves) is left out with a note on stderr: a missing record, never a
# made-up one.
record() {
  [ $# -eq 5 ] || { echo "record: want COMPONENT SUBJECT MEASURE VALUE UNIT, got $# arguments: $*" >&2; return 1; }
  [ -n "${BENCH_RECORDS:-}" ] || return 0
  case "$*" in
    *$'\t'* | *$'\n'*) echo "record: a field holds a tab or a newline: $*" >&2; return 1 ;;
  esac
  if ! [[ $4 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
    echo "record: no value for $1 / $2 / $3 (got '$4'); not recorded" >&2
    return 0
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_RECORDS"
}

# kb_to_mb KB: kilobytes (RSS as /proc and ps report it) in megabytes with one decimal, for record; prints
# nothing when KB is empty, so a process that was gone leaves no record.
kb_to_mb() { [ -z "$1" ] || awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# wrk_errors FILE: the errors in wrk's output FILE, non-2xx responses plus socket errors (connect, read,
# write and timeout).
wrk_errors() {
  awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$1"
}
