#!/usr/bin/env bash
# End-to-end: the same axum application (one server thread) with no CORS, with corsair's
# layer and with tower-http's, loaded in turn with wrk on loopback, in rounds so that
# drifting machine load hits all three alike. Bounded: ROUNDS x 3 x DURATION seconds.
#
#   scripts/bench-e2e.sh            # 3 rounds of 10 s per server
#   ROUNDS=5 DURATION=20s scripts/bench-e2e.sh
#
# With two CPUs or more (and taskset), the servers run on CPU 0 and wrk on CPU 1, so that
# the scheduler does not move them onto each other (PIN=0 turns this off). The order of the
# three servers rotates from round to round; the mean and the median of the rounds are
# printed.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ORIGIN=${ORIGIN:-https://example.com}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -p corsair-benches --bin bench-server
bin="${CARGO_TARGET_DIR:-target}/release/bench-server"

server_cpu=()
client_cpu=()
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    server_cpu=(taskset -c 0)
    client_cpu=(taskset -c 1)
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

declare -A port=([none]=18081 [corsair]=18082 [tower-http]=18083)
for mode in none corsair tower-http; do
    "${server_cpu[@]}" "$bin" "$mode" "${port[$mode]}" &
    pids+=($!)
done
sleep 1

echo "# $(date -u +%FT%TZ) nproc=$(nproc) load: $(cut -d' ' -f1-3 /proc/loadavg) pinned: ${server_cpu[*]:-no}"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
declare -A all
modes=(none corsair tower-http)
for round in $(seq "$ROUNDS"); do
    for i in 0 1 2; do
        mode=${modes[$(( (round - 1 + i) % 3 ))]}
        rps=$("${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -H "Origin: $ORIGIN" \
            "http://127.0.0.1:${port[$mode]}/items" | awk '/Requests\/sec/ {print $2}')
        all[$mode]="${all[$mode]:-} $rps"
        echo "round $round $mode: $rps req/s (load $(cut -d' ' -f1 /proc/loadavg))"
    done
done
stats() { # values -> "mean median"
    tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1; s += $1}
        END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print s / NR, m}'
}
read -r none_mean none_median <<<"$(echo "${all[none]}" | stats)"
for mode in "${modes[@]}"; do
    read -r mean median <<<"$(echo "${all[$mode]}" | stats)"
    printf '%-10s mean %10.0f req/s %6.1f%% of none   median %10.0f req/s %6.1f%% of none\n' \
        "$mode" "$mean" "$(echo "100 * $mean / $none_mean" | bc -l)" \
        "$median" "$(echo "100 * $median / $none_median" | bc -l)"
done
