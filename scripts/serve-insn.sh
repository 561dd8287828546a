#!/usr/bin/env bash
# corsair serve in instructions: the user-space instructions `corsair serve` (release
# build, its default per-core runtime) executes per forwarded request, counted by
# callgrind: an nginx upstream answering a 53-byte JSON document, `wrk -t1 -c8` sending
# actual CORS requests (allowed origin) for DURATION seconds, the total of that run minus
# an idle run of the same length, divided by the requests wrk counted. Deterministic
# within about 0.1 % from run to run, unlike wrk's throughput.
#
#   scripts/serve-insn.sh                       # the release build of this checkout
#   CORSAIR=/path/to/corsair scripts/serve-insn.sh   # another build, to compare two
#   SCENARIO=preflight scripts/serve-insn.sh    # preflights (answered by the gateway)
#   CALLGRIND_OUT=/tmp/cg.out scripts/serve-insn.sh  # keep the loaded run's profile
#                                               # (callgrind_annotate /tmp/cg.out)
#   PROXY=nginx scripts/serve-insn.sh           # nginx as the CORS proxy instead, with
#                                               # the load test's configuration (one
#                                               # worker, no master process): the same
#                                               # count for the reference
#
# Needs valgrind, wrk and nginx (apt-get install -y valgrind wrk nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/upstream.sh
: "${CARGO_TARGET_DIR:=target}"
export CARGO_TARGET_DIR
DURATION=${DURATION:-5}
SCENARIO=${SCENARIO:-actual}
PROXY=${PROXY:-corsair}
case "$PROXY" in
    corsair | nginx) ;;
    *) echo "PROXY is corsair or nginx, not '$PROXY'" >&2; exit 2 ;;
esac
UPSTREAM_PORT=${UPSTREAM_PORT:-19081}
PORT=${PORT:-19083}

for tool in valgrind wrk; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y $tool" >&2; exit 1; }
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }
if [ "$PROXY" = corsair ] && [ -z "${CORSAIR:-}" ]; then
    cargo build --quiet --release -p corsair-cli
    CORSAIR="$CARGO_TARGET_DIR/release/corsair"
fi

work=$(mktemp -d /tmp/corsair-serve-insn.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

upstream_conf "$work" "$UPSTREAM_PORT" 1
corsair_conf "$work/corsair.toml" "$PORT" "$UPSTREAM_PORT"
mkdir -p "$work/proxy"
nginx_proxy_conf "$work/proxy" "$PORT" "$UPSTREAM_PORT" 1
# One process under callgrind: the worker's own loop, no master.
sed -i '1i master_process off;' "$work/proxy/nginx.conf"
cat >"$work/preflight.lua" <<'LUA'
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://app.example.com"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type"
LUA
"$NGINX" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' 2>>"$work/nginx.log" &
pids+=("$!")

# Instructions of one gateway run of DURATION seconds; $1 = load or idle.
count() {
    local log="$work/$1.log" out=/dev/null
    [ "$1" = load ] && out=${CALLGRIND_OUT:-/dev/null}
    if [ "$PROXY" = nginx ]; then
        valgrind --tool=callgrind --callgrind-out-file="$out" \
            "$NGINX" -p "$work/proxy" -c "$work/proxy/nginx.conf" -g 'daemon off;' >/dev/null 2>"$log" &
    else
        RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$out" \
            "$CORSAIR" serve --config "$work/corsair.toml" >/dev/null 2>"$log" &
    fi
    local pid=$! tries=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt 300 ] || { echo "$PROXY did not start" >&2; kill "$pid"; exit 1; }
        sleep 0.1
    done
    if [ "$1" = load ] && [ "$SCENARIO" = preflight ]; then
        wrk -t1 -c8 -d"${DURATION}s" -s "$work/preflight.lua" \
            "http://127.0.0.1:$PORT/api/items" >"$work/wrk.txt"
    elif [ "$1" = load ]; then
        wrk -t1 -c8 -d"${DURATION}s" -H 'Origin: https://app.example.com' \
            "http://127.0.0.1:$PORT/api/items" >"$work/wrk.txt"
    else
        sleep "$DURATION"
    fi
    kill -TERM "$pid"
    wait "$pid" || true
    awk '/Collected/ {print $4}' "$log"
}

idle=$(count idle)
load=$(count load)
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
if [ "$PROXY" = nginx ]; then
    version="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //') (the load test's CORS proxy configuration)"
else
    version="$("$CORSAIR" --version)"
fi
echo "# $(date -u +%FT%TZ) $version, SCENARIO=$SCENARIO, DURATION=$DURATION"
echo "idle run: $idle instructions; loaded run: $load instructions, $requests requests, ${non2xx:-0} non-2xx"
awk -v l="$load" -v i="$idle" -v n="$requests" \
    'BEGIN { printf "%.0f user-space instructions per request\n", (l - i) / n }'
