#!/usr/bin/env bash
# End to end in instructions: the user-space instructions the whole axum server
# (`bench-server`: hyper, axum, tokio, the application and the CORS layer) executes per
# request, counted by callgrind, with no CORS, with corsair and with tower-http, and with
# no CORS layer but the handler answering with the headers corsair adds (`same-headers`:
# what writing them costs hyper and axum, whoever adds them). Unlike
# wrk's throughput, which moves by ±10 % from round to round on a small machine, the
# counts are deterministic; none/corsair is the throughput a CPU-bound server keeps with
# corsair, counting user space only (the kernel's share of each request, the same for
# all three, would make the ratio closer to 1). See BENCHMARKS.md.
#
#   scripts/e2e-insn.sh             # N=2000 keep-alive requests on one connection
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=target}"
export CARGO_TARGET_DIR
N=${N:-2000}
BASE=10
PORT=${PORT:-18090}
ORIGIN=${ORIGIN:-https://example.com}

for tool in valgrind curl; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y $tool" >&2; exit 1; }
done
cargo build --quiet --release -p corsair-benches --bin bench-server
bin="$CARGO_TARGET_DIR/release/bench-server"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Instructions of one server run that answers $2 requests (after one readiness probe).
count() {
    local mode=$1 n=$2 log="$out/$1.$2.log"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$mode" "$PORT" \
        >/dev/null 2>"$log" &
    local pid=$!
    local tries=0
    until curl -s -o /dev/null "http://127.0.0.1:$PORT/items"; do
        tries=$((tries + 1))
        [ "$tries" -lt 300 ] || { echo "bench-server did not start" >&2; kill "$pid"; exit 1; }
        sleep 0.1
    done
    local urls=()
    for _ in $(seq "$n"); do urls+=("http://127.0.0.1:$PORT/items"); done
    # One connection, kept alive: curl reuses it for every URL.
    curl -s -H "Origin: $ORIGIN" "${urls[@]}" >/dev/null
    kill -INT "$pid"
    wait "$pid" || true
    awk '/Collected/ {print $4}' "$log"
}

echo "# $(date -u +%FT%TZ) N=$N, user-space instructions per request of the whole server"
declare -A per
for mode in none same-headers corsair tower-http; do
    a=$(count "$mode" "$BASE")
    b=$(count "$mode" "$N")
    per[$mode]=$(( (b - a) / (N - BASE) ))
done
for mode in none same-headers corsair tower-http; do
    printf '%-12s %8d instructions per request  overhead %6d  user space: none/%s %6.1f%%\n' \
        "$mode" "${per[$mode]}" "$(( per[$mode] - per[none] ))" "$mode" \
        "$(echo "100 * ${per[none]} / ${per[$mode]}" | bc -l)"
done
