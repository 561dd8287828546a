#!/usr/bin/env bash
# Load test: `corsair serve` (release build; its default per-core runtime and its
# multi-thread runtime) vs nginx, all as a CORS reverse proxy in front of the same
# upstream (nginx serving a static JSON answer on its own port), measured with wrk on
# loopback. Writes the figures into BENCHMARKS.md, between the markers
# `<!-- loadtest:begin -->` and `<!-- loadtest:end -->` (the rest of the file is left
# as it is); with OUT=FILE for a file other than BENCHMARKS.md, writes only the figures.
#
#   scripts/loadtest.sh              # build, measure, write BENCHMARKS.md
#   DURATION=5 ROUNDS=1 scripts/loadtest.sh   # quicker
#   TLS=1 scripts/loadtest.sh        # the proxies terminate TLS (the same certificate)
#
# With TLS=1, both proxies serve HTTPS with the same certificate (ECDSA P-256, made
# here with openssl), wrk connects over TLS (keep-alive: one handshake a connection),
# and the block written is the one between `<!-- loadtest-tls:begin -->` and
# `<!-- loadtest-tls:end -->`.
#
# Installs nginx and wrk with apt-get if they are missing (Debian packages `nginx`,
# `wrk`). Each figure is the median of ROUNDS runs, the proxies alternating, so
# that a passing load on the machine hits both alike. Bounded: ROUNDS x 2 scenarios x
# 3 proxies x (WARMUP + DURATION) seconds, three minutes with the defaults, plus the
# release build when it is not up to date.
# Everything listens on 127.0.0.1 only; every process started here is stopped by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/upstream.sh

DURATION="${DURATION:-8}"
WARMUP="${WARMUP:-2}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
OUT="${OUT:-BENCHMARKS.md}"
TLS="${TLS:-0}"
SCHEME=http
MARKER=loadtest
if [ "$TLS" = 1 ]; then
    SCHEME=https
    MARKER=loadtest-tls
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

UPSTREAM_PORT=18081
NGINX_PORT=18082
CORSAIR_PORT=18083
MULTI_PORT=18084

need() {
    if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then
        echo "==> installing $2"
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
        else
            sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
        fi
    fi
}
need wrk wrk
need nginx nginx
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

echo "==> cargo build --release -p corsair-cli"
cargo build --release -p corsair-cli --quiet
CORSAIR="$CARGO_TARGET_DIR/release/corsair"

WORK="$(mktemp -d /tmp/corsair-loadtest.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

NPROC="$(nproc)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"

# ---- with TLS=1: one certificate for both proxies
LISTEN_TLS=""
NGINX_TLS=""
CORSAIR_TLS=""
if [ "$TLS" = 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
        -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
    LISTEN_TLS=" ssl"
    NGINX_TLS="ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;"
    CORSAIR_TLS="tls_cert = \"$WORK/cert.pem\"
tls_key = \"$WORK/key.pem\""
fi

# ---- the upstream: nginx answering a static JSON document, keep-alive
mkdir -p "$WORK/upstream" "$WORK/proxy"
upstream_conf "$WORK/upstream" "$UPSTREAM_PORT" "$NPROC"

# ---- nginx as the CORS proxy: the same policy as corsair's, by hand
nginx_proxy_conf "$WORK/proxy" "$NGINX_PORT" "$UPSTREAM_PORT" "$NPROC" "$LISTEN_TLS" "$NGINX_TLS"

corsair_conf "$WORK/corsair.toml" "$CORSAIR_PORT" "$UPSTREAM_PORT" "$CORSAIR_TLS"

start_nginx() {
    "$NGINX" -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/stderr.log" &
    PIDS+=("$!")
    echo "$!" >"$1/master.pid"
}

wait_port() {
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2
    exit 1
}

start_nginx "$WORK/upstream"
wait_port "$UPSTREAM_PORT"
start_nginx "$WORK/proxy"
wait_port "$NGINX_PORT"
sed -e "s/^listen = .*/listen = \"127.0.0.1:$MULTI_PORT\"/" -e 's/^watch = false/watch = false\nruntime = "multi-thread"/' \
    "$WORK/corsair.toml" >"$WORK/corsair-multi-thread.toml"
RUST_LOG=warn "$CORSAIR" serve --config "$WORK/corsair.toml" >"$WORK/corsair.out" 2>"$WORK/corsair.err" &
PIDS+=("$!")
CORSAIR_PIDS="$!"
RUST_LOG=warn "$CORSAIR" serve --config "$WORK/corsair-multi-thread.toml" >"$WORK/multi-thread.out" 2>"$WORK/multi-thread.err" &
PIDS+=("$!")
MULTI_PIDS="$!"
wait_port "$CORSAIR_PORT"
wait_port "$MULTI_PORT"
NGINX_PIDS="$(pgrep -P "$(cat "$WORK/proxy/master.pid")" | tr '\n' ' ')"

# CPU time (clock ticks) used so far by a list of processes: "user system".
ticks() {
    local user=0 system=0 pid
    for pid in $1; do
        user=$((user + $(awk '{print $14}' "/proc/$pid/stat")))
        system=$((system + $(awk '{print $15}' "/proc/$pid/stat")))
    done
    echo "$user $system"
}
HZ="$(getconf CLK_TCK)"

# Sanity: both answer with the CORS headers.
for port in "$NGINX_PORT" "$CORSAIR_PORT" "$MULTI_PORT"; do
    if ! curl -skf -o /dev/null -D - "$SCHEME://127.0.0.1:$port/api/items" -H 'Origin: https://app.example.com' \
        | grep -qi '^access-control-allow-origin: https://app.example.com'; then
        echo "port $port does not answer with CORS headers" >&2
        exit 1
    fi
done

cat >"$WORK/preflight.lua" <<'EOF'
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://app.example.com"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type"
EOF

# run NAME PORT SCENARIO ROUND -> "rps p50 p99 non-2xx cpu-us-per-request"
run() {
    local name="$1" port="$2" scenario="$3" round="$4" args=() pids
    pids="$NGINX_PIDS"
    [ "$name" = corsair ] && pids="$CORSAIR_PIDS"
    [ "$name" = multi-thread ] && pids="$MULTI_PIDS"
    if [ "$scenario" = preflight ]; then
        args=(-s "$WORK/preflight.lua")
    else
        args=(-H 'Origin: https://app.example.com')
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${args[@]}" "$SCHEME://127.0.0.1:$port/api/items" >/dev/null
    local file="$WORK/$name-$scenario-$round.txt" t0 t1
    t0="$(ticks "$pids")"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${args[@]}" \
        "$SCHEME://127.0.0.1:$port/api/items" >"$file"
    t1="$(ticks "$pids")"
    local rps p50 p99 errors total cpu user u0 s0 u1 s1
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$file")"
    p50="$(awk '$1 == "50%" {print $2}' "$file")"
    p99="$(awk '$1 == "99%" {print $2}' "$file")"
    errors="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$file")"
    total="$(awk '/requests in/ {print $1}' "$file")"
    read -r u0 s0 <<<"$t0"
    read -r u1 s1 <<<"$t1"
    cpu="$(awk -v t="$((u1 - u0 + s1 - s0))" -v hz="$HZ" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
    user="$(awk -v t="$((u1 - u0))" -v hz="$HZ" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
    echo "$rps $p50 $p99 ${errors:-0} $cpu $user"
}

# The median of the rounds, field by field (latencies compared in microseconds).
median() {
    local name="$1" scenario="$2" field="$3"
    for round in $(seq 1 "$ROUNDS"); do
        echo "${RESULT["$name-$scenario-$round"]}" | awk -v f="$field" '{ print $f }'
    done | awk '
        function us(v) {
            if (v ~ /us$/) return v + 0;
            if (v ~ /ms$/) return v * 1000;
            if (v ~ /s$/) return v * 1000000;
            return v + 0;
        }
        { value[NR] = $1; key[NR] = us($1) }
        END {
            for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
                if (key[j] < key[i]) { t = key[i]; key[i] = key[j]; key[j] = t; t = value[i]; value[i] = value[j]; value[j] = t }
            print value[int((NR + 1) / 2)]
        }'
}

WRK_ACTUAL="wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -H 'Origin: https://app.example.com' $SCHEME://127.0.0.1:PORT/api/items"
WRK_PREFLIGHT="wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s preflight.lua $SCHEME://127.0.0.1:PORT/api/items"

declare -A RESULT
for round in $(seq 1 "$ROUNDS"); do
    for scenario in actual preflight; do
        for name in nginx corsair multi-thread; do
            port="$NGINX_PORT"
            [ "$name" = corsair ] && port="$CORSAIR_PORT"
            [ "$name" = multi-thread ] && port="$MULTI_PORT"
            echo "==> round $round, $name, $scenario requests"
            RESULT["$name-$scenario-$round"]="$(run "$name" "$port" "$scenario" "$round")"
            echo "    req/s p50 p99 non-2xx cpu-us/req user-us/req: ${RESULT["$name-$scenario-$round"]}"
        done
    done
done

row() {
    printf '| %s | %s | %s | %s | %s | %s |' "$(median "$1" "$2" 1)" "$(median "$1" "$2" 2)" \
        "$(median "$1" "$2" 3)" "$(median "$1" "$2" 4)" "$(median "$1" "$2" 5)" "$(median "$1" "$2" 6)"
}

rounds() {
    local name="$1" scenario="$2" round
    for round in $(seq 1 "$ROUNDS"); do
        echo "${RESULT["$name-$scenario-$round"]}" | awk '{ printf "%s", $1 }'
        if [ "$round" -lt "$ROUNDS" ]; then printf ', '; fi
    done
    return 0
}

# corsair against nginx round by round (each round runs both back to back, so a load
# passing on the machine hits both alike): "mean ratio ± standard error, rounds ahead".
# The standard error says whether a difference of the medians is more than noise: a
# mean ratio within about two standard errors of 1.00 is level.
paired() {
    local name="$1" scenario="$2" round
    for round in $(seq 1 "$ROUNDS"); do
        echo "${RESULT["nginx-$scenario-$round"]%% *} ${RESULT["$name-$scenario-$round"]%% *}"
    done | awk '
        { r = $2 / $1; sum += r; squares += r * r; n++; if (r > 1) ahead++ }
        END {
            mean = sum / n
            var = n > 1 ? (squares - n * mean * mean) / (n - 1) : 0
            if (var < 0) var = 0
            printf "%.3f ± %.3f (standard error), ahead in %d of %d rounds", mean, sqrt(var / n), ahead, n
        }'
}

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
CORSAIR_VERSION="$("$CORSAIR" --version)"
NGINX_VERSION="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
WRK_VERSION="$( (wrk -v 2>&1 || true) | head -1 | awk '{print $1, $2}')"
DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"

TLS_TEXT=""
if [ "$TLS" = 1 ]; then
    TLS_TEXT="
**Over TLS**: both proxies terminate TLS with the same certificate (ECDSA P-256,
self-signed; nginx \`ssl_certificate\`, corsair \`tls_cert\`/\`tls_key\`, rustls); wrk
connects over TLS 1.3 and keeps its connections alive (one handshake a connection); the
upstream is plain HTTP, as behind a TLS-terminating edge.
"
fi
BLOCK="$WORK/block.md"
cat >"$BLOCK" <<EOF
<!-- $MARKER:begin (written by scripts/loadtest.sh; edit the script, not this block) -->
\`corsair serve\` (release build) and nginx, each as a CORS reverse proxy in front of the
same upstream (a second nginx answering a 53-byte JSON document), measured with wrk on
loopback. Both proxies apply the same policy (allowed origin \`https://app.example.com\`
and \`https://*.example.com\`, credentials, \`expose_headers = ["x-request-id"]\`, preflights
answered by the proxy), add \`X-Forwarded-*\`, and keep upstream connections alive
(nginx: \`keepalive 128\`, \`proxy_http_version 1.1\`; corsair: a dedicated upstream
connection per keep-alive client connection). nginx runs \`worker_processes $NPROC\`.
corsair runs twice: with its default runtime, \`per-core\` ($NPROC threads, each with a
single-thread tokio runtime, each connection kept by the thread of the CPU its packets
arrive on: the shape of nginx's worker processes), and with \`runtime = "multi-thread"\`
(one work-stealing tokio runtime, $NPROC worker threads). wrk, the proxies and the upstream share the same $NPROC cores, so the
figures compare the proxies' costs, not the machine's limits.
$TLS_TEXT
- machine: $NPROC cores, $MODEL, $(free -g | awk '/^Mem:/ {print $2}') GiB
- date: $DATE
- load average of the machine (1, 5, 15 min) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER
  (the runs themselves add about 2)
- versions: $CORSAIR_VERSION; nginx $NGINX_VERSION; $WRK_VERSION
- generated by \`TLS=$TLS scripts/loadtest.sh\` (\`DURATION=$DURATION\`, \`CONNECTIONS=$CONNECTIONS\`, \`THREADS=$THREADS\`, \`ROUNDS=$ROUNDS\`, ${WARMUP} s warm-up before each run)
- each figure is the median of $ROUNDS runs, the proxies alternating; "CPU/req" is
  the proxy's own CPU time (user + system, all its processes or threads) divided by the
  requests it served, "user/req" the user-space part of it

### Actual requests (\`GET\` with an allowed \`Origin\`, forwarded to the upstream)

\`\`\`sh
$WRK_ACTUAL
\`\`\`

| proxy | requests/s | p50 | p99 | non-2xx | CPU/req (µs) | user/req (µs) |
|---|---|---|---|---|---|---|
| nginx $(row nginx actual)
| corsair serve (per-core, the default) $(row corsair actual)
| corsair serve (multi-thread) $(row multi-thread actual)

Requests/s of each round: nginx $(rounds nginx actual); corsair per-core $(rounds corsair actual); corsair multi-thread $(rounds multi-thread actual).
corsair / nginx in requests/s, round by round: per-core $(paired corsair actual); multi-thread $(paired multi-thread actual).

### Preflights (answered by the proxy, never forwarded)

\`\`\`sh
$WRK_PREFLIGHT
\`\`\`

| proxy | requests/s | p50 | p99 | non-2xx | CPU/req (µs) | user/req (µs) |
|---|---|---|---|---|---|---|
| nginx $(row nginx preflight)
| corsair serve (per-core, the default) $(row corsair preflight)
| corsair serve (multi-thread) $(row multi-thread preflight)

Requests/s of each round: nginx $(rounds nginx preflight); corsair per-core $(rounds corsair preflight); corsair multi-thread $(rounds multi-thread preflight).
corsair / nginx in requests/s, round by round: per-core $(paired corsair preflight); multi-thread $(paired multi-thread preflight).

The configurations (nginx's proxy and upstream, corsair's policy) are written by the
script into a temporary directory; read them in \`scripts/loadtest.sh\`.
<!-- $MARKER:end -->
EOF

if [ "$(basename "$OUT")" = BENCHMARKS.md ] && [ -f "$OUT" ] && grep -q "^<!-- $MARKER:begin" "$OUT"; then
    # Replace the block between the markers; keep everything else.
    awk -v block="$BLOCK" -v begin="^<!-- $MARKER:begin" -v end="^<!-- $MARKER:end" '
        $0 ~ begin { while ((getline line < block) > 0) print line; skip = 1; next }
        $0 ~ end { skip = 0; next }
        !skip { print }
    ' "$OUT" >"$WORK/out.md"
    cp "$WORK/out.md" "$OUT"
elif [ "$(basename "$OUT")" = BENCHMARKS.md ] && [ -f "$OUT" ]; then
    # A block not there yet: appended.
    { echo; cat "$BLOCK"; } >>"$OUT"
else
    cp "$BLOCK" "$OUT"
fi
echo "==> wrote $OUT"
