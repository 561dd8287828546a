#!/usr/bin/env bash
# End-to-end: the same axum application (one server thread) with no CORS, with corsair's
# layer and with tower-http's, loaded in turn with wrk on loopback, in rounds so that
# drifting machine load hits all three alike. Bounded: ROUNDS x 3 x DURATION seconds.
#
#   scripts/bench-e2e.sh            # 3 rounds of 10 s per server
#   ROUNDS=5 DURATION=20s scripts/bench-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ORIGIN=${ORIGIN:-https://example.com}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -p corsair-benches --bin bench-server
bin="${CARGO_TARGET_DIR:-target}/release/bench-server"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

declare -A port=([none]=18081 [corsair]=18082 [tower-http]=18083)
for mode in none corsair tower-http; do
    "$bin" "$mode" "${port[$mode]}" &
    pids+=($!)
done
sleep 1

echo "# $(date -u +%FT%TZ) nproc=$(nproc) load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
declare -A total
for mode in none corsair tower-http; do total[$mode]=0; done
for round in $(seq "$ROUNDS"); do
    for mode in none corsair tower-http; do
        rps=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -H "Origin: $ORIGIN" \
            "http://127.0.0.1:${port[$mode]}/items" | awk '/Requests\/sec/ {print $2}')
        total[$mode]=$(echo "${total[$mode]} + $rps" | bc -l)
        echo "round $round $mode: $rps req/s (load $(cut -d' ' -f1 /proc/loadavg))"
    done
done
none=$(echo "${total[none]} / $ROUNDS" | bc -l)
for mode in none corsair tower-http; do
    mean=$(echo "${total[$mode]} / $ROUNDS" | bc -l)
    printf '%-10s mean %10.0f req/s  %6.1f%% of none\n' "$mode" "$mean" \
        "$(echo "100 * $mean / $none" | bc -l)"
done
