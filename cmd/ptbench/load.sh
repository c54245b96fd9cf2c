#!/usr/bin/env bash
# Load runs for the speed targets of issues 2 and 5, against the real binary
# on loopback. Usage (from the repository root):
#
#   cmd/ptbench/load.sh [DATA_DIR]
#
# DATA_DIR defaults to /tmp/ptbench-data; when it holds no database the
# generator fills it first (10,000 items, 100,000 events, 100,000 notes,
# 20,000 evidence rows). Settings by environment:
#   DURATION=20   seconds per wrk run      CONNS=64 THREADS=2   wrk settings
#   PORT=…        listen port (default: a free one in 18000–18999)
#   PT_BIN=…      a built policytracker binary (default: built from this tree)
#   OUT=…         where raw outputs go (default: a new /tmp/ptbench-load.* dir)
#   RUNS="list item search dashboard api baseline export asof"   which parts to run
#   PT_PAGE_CACHE=off  measure pages rendered afresh on every request (the
#                      cost of the first view after each change)
#
# It starts the server, logs in through the login form like a browser, runs
# wrk against each page, times the CLI exports under /usr/bin/time -v and the
# as-of summary, prints a table, and stops the server on exit (trap). Every
# step is bounded in time. On a 2-core machine wrk and the server share the
# cores, so the figures are a floor for the server alone.
set -euo pipefail

cd "$(dirname "$0")/../.."
DATA=${1:-/tmp/ptbench-data}
DURATION=${DURATION:-20}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
OUT=${OUT:-$(mktemp -d /tmp/ptbench-load.XXXXXX)}
RUNS=${RUNS:-list item search dashboard api baseline export asof}
wanted() { [[ " $RUNS " == *" $1 "* ]]; }
mkdir -p "$OUT"

die() { echo "load.sh: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is missing: apt-get install -y wrk"
command -v curl >/dev/null || die "curl is missing"

if [ -z "${PT_BIN:-}" ]; then
  PT_BIN="$OUT/policytracker"
  echo "building policytracker → $PT_BIN"
  go build -o "$PT_BIN" ./cmd/policytracker
fi
if [ ! -f "$DATA/policytracker.db" ]; then
  echo "no database in $DATA: generating the synthetic data set"
  timeout 600 go run ./cmd/ptbench gen --data "$DATA" | tee "$OUT/gen.txt"
fi
EMAIL=bench@example.org
PASSWORD='bench password 2026'

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${PORT:-}" ]; then
  for p in $(shuf -i 18000-18999 -n 50); do
    if port_free "$p"; then PORT=$p; break; fi
  done
  [ -n "${PORT:-}" ] || die "no free port found in 18000–18999"
fi
BASE="http://127.0.0.1:$PORT"

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

"$PT_BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 150); do
  curl -fsS --max-time 1 "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(tail -3 "$OUT/server.log")"
  sleep 0.2
done
curl -fsS --max-time 2 "$BASE/healthz" >/dev/null || die "server did not answer /healthz within 30 s"
echo "server pid $SERVER_PID on $BASE, data $DATA, raw output in $OUT"

# Log in like a browser: the form's _csrf and the pt_csrf cookie, then the
# session cookie pt_session.
JAR="$OUT/cookies.txt"
rm -f "$JAR" # a session left from an earlier run would skip the login form
LOGIN_HTML=$(curl -fsS --max-time 10 -c "$JAR" -b "$JAR" "$BASE/login")
CSRF=$(printf '%s' "$LOGIN_HTML" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$CSRF" ] || die "no _csrf field on /login"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -c "$JAR" -b "$JAR" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" --data-urlencode "_csrf=$CSRF" "$BASE/login")
SESSION=$(awk '$6=="pt_session"{print $7}' "$JAR" | tail -1)
[ "$code" = 303 ] && [ -n "$SESSION" ] || die "login as $EMAIL failed (HTTP $code); was $DATA made by ptbench gen?"
COOKIE="Cookie: pt_session=$SESSION"
TOKEN=$(timeout 60 "$PT_BIN" token create --data "$DATA" --email "$EMAIL" --name "load.sh" | tail -1)
AUTH="Authorization: Bearer $TOKEN"

# A mid-catalog item (the 5,000th by code) for the item page.
ITEM_ID=$(curl -fsS --max-time 10 -H "$AUTH" "$BASE/api/v1/recommendations?sort=code&per_page=1&page=5000" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
[ -n "$ITEM_ID" ] || ITEM_ID=1

# check URL HEADER: the page must answer 200 before it is measured; the
# answer is left in CHECKED.
check() {
  CHECKED=$(curl -sS --max-time 10 -o "$OUT/check.body" -w '%{http_code}' -H "$2" "$BASE$1" || echo "no answer")
  [ "$CHECKED" = 200 ]
}

RESULTS=()
# run KEY NAME URL HEADER TARGET [CONNECTIONS THREADS]: warm up, then a
# measured wrk run.
run() {
  wanted "$1" || return 0
  shift
  local name=$1 path=$2 header=$3 target=$4 conns=${5:-$CONNS} threads=${6:-$THREADS} file
  if ! check "$path" "$header"; then
    RESULTS+=("$(printf '%-34s skipped: GET %s answered %s, not 200 (see %s)' "$name" "$path" "$CHECKED" "$OUT/server.log")")
    printf '  %-34s skipped: answered %s\n' "$name" "$CHECKED"
    return 0
  fi
  file="$OUT/wrk-$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '-').txt"
  # Requests of the previous run may still be queued in the server: let
  # them drain, then warm up.
  sleep 3
  timeout 30 wrk -t"$threads" -c"$conns" -d3s -H "$header" "$BASE$path" >/dev/null 2>&1 || true
  timeout $((DURATION + 30)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 10s --latency -H "$header" "$BASE$path" >"$file" 2>&1 \
    || die "wrk failed on $path: $(tail -3 "$file")"
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$file")
  p50=$(awk '$1=="50%"{print $2}' "$file")
  p99=$(awk '$1=="99%"{print $2}' "$file")
  bad=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$file")
  errs=$(awk '/Socket errors:/{print $0}' "$file")
  RESULTS+=("$(printf '%-34s %9s %9s %9s  %-28s %s' "$name" "$rps" "$p50" "$p99" "$target" "${bad:+non-2xx: $bad }${errs}")")
  printf '  %-34s %9s req/s  p50 %-9s p99 %s\n' "$name" "$rps" "$p50" "$p99"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "wrk: $THREADS threads, $CONNS connections, ${DURATION}s per run (after a 3 s warm-up)"
run list "list: domain=energy&status=in_progress" "/recommendations?domain=energy&status=in_progress" "$COOKIE" "≥3000/s, p99<50ms"
run item "item page (id $ITEM_ID)" "/recommendations/$ITEM_ID" "$COOKIE" "≥3000/s, p99<50ms"
run search "search page: q=pipeline" "/recommendations?q=pipeline" "$COOKIE" "(see one client)"
run search "search page, one client" "/recommendations?q=pipeline" "$COOKIE" "<20ms per query" 1 1
run search "search: q=demining+caspian, 1 cl." "/recommendations?q=demining+caspian" "$COOKIE" "<20ms per query" 1 1
run dashboard "dashboard /" "/" "$COOKIE" "p99<50ms"
run api "API list: energy+in_progress" "/api/v1/recommendations?domain=energy&status=in_progress" "$AUTH" "(no target)"
# What the stack costs without the pages: fiber alone, then fiber plus the
# session lookup (the floor under every page above).
run baseline "baseline: /healthz" "/healthz" "X-Bench: 1" "(no target)"
run baseline "baseline: /api/v1/me (session)" "/api/v1/me" "$COOKIE" "(no target)"

# Exports through the CLI: wall time and peak memory (max RSS).
EXPORTS=()
for fmt in csv json; do
  wanted export || break
  f="$OUT/export.$fmt"
  if timeout 120 /usr/bin/time -v -o "$OUT/time-$fmt.txt" "$PT_BIN" export --data "$DATA" --format "$fmt" -o "$f" >"$OUT/export-$fmt.log" 2>&1; then
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$OUT/time-$fmt.txt")
    rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f MB", $2/1024}' "$OUT/time-$fmt.txt")
    size=$(du -h "$f" | cut -f1)
    EXPORTS+=("$(printf '%-34s %9s %9s  file %s' "export --format $fmt" "$wall" "$rss" "$size")")
  else
    EXPORTS+=("$(printf '%-34s skipped: %s' "export --format $fmt" "$(grep -v '^\s' "$OUT/export-$fmt.log" | grep -v 'Command exited' | head -1)")")
  fi
done

# As-of summary a year back, five times (the first one is cold).
ASOF=$(date -d '1 year ago' +%F)
SUMMARY=""
times=()
for _ in 1 2 3 4 5; do
  wanted asof || { SUMMARY="not run"; break; }
  r=$(curl -sS --max-time 30 -o "$OUT/summary.json" -w '%{http_code} %{time_total}' -H "$AUTH" "$BASE/api/v1/summary?as_of=$ASOF")
  [ "${r%% *}" = 200 ] || { SUMMARY="skipped: GET /api/v1/summary?as_of=$ASOF answered ${r%% *} ($(head -c 120 "$OUT/summary.json"))"; break; }
  times+=("$(awk -v t="${r#* }" 'BEGIN{printf "%.0f", t*1000}')")
done
if [ -z "$SUMMARY" ]; then
  SUMMARY="$(printf '%s ms ' "${times[@]}")(target <500 ms)"
fi

echo
echo "== results ($(date -u +%FT%TZ), $(nproc) cores shared by wrk and the server; load average before: $LOAD_BEFORE) =="
printf '%-34s %9s %9s %9s  %-28s %s\n' "run" "req/s" "p50" "p99" "target" "errors"
printf '%s\n' "${RESULTS[@]}"
echo
printf '%-34s %9s %9s\n' "export" "wall" "peak RSS"
printf '%s\n' "${EXPORTS[@]}"
echo
echo "as-of summary ($ASOF, via API): $SUMMARY"
echo "raw outputs: $OUT"
