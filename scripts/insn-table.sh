#!/usr/bin/env bash
# Instruction counts per request (callgrind, deterministic) for every scenario of the
# benchmark grid: the engine alone, corsair's tower overhead against tower-http's, and
# corsair's actix overhead against actix-cors's. See BENCHMARKS.md.
#
#   scripts/insn-table.sh            # builds insn-count (release) and prints the tables
#   N=1001 JOBS=2 scripts/insn-table.sh
#   INSN_COUNT=/path/to/insn-count scripts/insn-table.sh   # a build made earlier
#
# per request = (I(N) - I(1)) / (N - 1); "engine" and "none" have the request
# construction subtracted (variant `build`, `actix-build`); overhead = layer - none.
# "floor" is the least a correct middleware does with `http::HeaderMap`
# (benches/src/floor.rs; benches/src/actix_floor.rs for actix-web's map): where even its
# overhead is above 1/3 of the peer's, no implementation can meet that target.
# "checked floor" is the floor with the checks corsair's design asks for (benches/src/
# checks.rs: the requested method and headers checked, the origin's grammar under `*` and
# for patterns, a swappable policy, reasons through tracing): where its overhead is above
# 1/3 of the peer's, no implementation that keeps the design can meet that target.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=target}"
export CARGO_TARGET_DIR
N=${N:-1001}
JOBS=${JOBS:-2}
# INSN_COUNT=path measures that build of insn-count instead (to compare two builds).
if [ -z "${INSN_COUNT:-}" ]; then
    cargo build --quiet --release -p corsair-benches --bin insn-count
    INSN_COUNT="$CARGO_TARGET_DIR/release/insn-count"
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# A copy, so that a rebuild during the run does not mix two versions.
BIN="$OUT/insn-count"
cp "$INSN_COUNT" "$BIN"

VARIANTS="build engine none corsair tower-http floor floor-checked actix-build actix-none actix-corsair actix-cors actix-floor actix-floor-checked"
"$BIN" list >"$OUT/scenarios"
while read -r s; do
    for v in $VARIANTS; do
        for n in 1 "$N"; do
            echo "$s $v $n"
        done
    done
done <"$OUT/scenarios" >"$OUT/jobs"

run_one() {
    local s=$1 v=$2 n=$3 out=$4 bin=$5
    local f="$out/$(echo "$s" | tr / _).$v.$n"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$s" "$v" "$n" 2>&1 |
        awk '/Collected/ {print $4}' >"$f"
}
export -f run_one
xargs -P "$JOBS" -L 1 bash -c 'run_one "$0" "$1" "$2" "'"$OUT"'" "'"$BIN"'"' <"$OUT/jobs"

per() { # scenario variant -> instructions per request
    local f="$OUT/$(echo "$1" | tr / _).$2"
    echo $(( ($(cat "$f.$N") - $(cat "$f.1")) / (N - 1) ))
}

declare -A E NONE C T F FC AN AC AX AF AFC
while read -r s; do
    b=$(per "$s" build)
    ab=$(per "$s" actix-build)
    E[$s]=$(( $(per "$s" engine) - b ))
    NONE[$s]=$(( $(per "$s" none) - b ))
    C[$s]=$(( $(per "$s" corsair) - $(per "$s" none) ))
    T[$s]=$(( $(per "$s" tower-http) - $(per "$s" none) ))
    F[$s]=$(( $(per "$s" floor) - $(per "$s" none) ))
    FC[$s]=$(( $(per "$s" floor-checked) - $(per "$s" none) ))
    AN[$s]=$(( $(per "$s" actix-none) - ab ))
    AC[$s]=$(( $(per "$s" actix-corsair) - $(per "$s" actix-none) ))
    AX[$s]=$(( $(per "$s" actix-cors) - $(per "$s" actix-none) ))
    AF[$s]=$(( $(per "$s" actix-floor) - $(per "$s" actix-none) ))
    AFC[$s]=$(( $(per "$s" actix-floor-checked) - $(per "$s" actix-none) ))
done <"$OUT/scenarios"

# The 1-origin request of the same kind (adversarial: the normal preflight).
reference() {
    case $1 in
    adversarial/*) echo adversarial/normal-preflight ;;
    */actual/*) echo 1-origin/actual/allowed ;;
    *) echo 1-origin/preflight/allowed ;;
    esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2f", a / b }'; }

echo "# N=$N; $(date -u +%FT%TZ); $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty)"
echo
echo "| scenario | engine alone | no CORS (call) | corsair overhead | tower-http overhead | target (1/3) | ratio | ≤ 1/3 | floor overhead | floor ≤ 1/3 | checked floor overhead | checked floor ≤ 1/3 | corsair request / 1-origin request |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
while read -r s; do
    r=$(reference "$s")
    q=$(ratio "${C[$s]}" "${T[$s]}")
    ok=$(awk -v c="${C[$s]}" -v t="${T[$s]}" 'BEGIN { print (3 * c <= t) ? "met" : "missed" }')
    fok=$(awk -v c="${F[$s]}" -v t="${T[$s]}" 'BEGIN { print (3 * c <= t) ? "yes" : "no" }')
    fcok=$(awk -v c="${FC[$s]}" -v t="${T[$s]}" 'BEGIN { print (3 * c <= t) ? "yes" : "no" }')
    rel=$(ratio $(( C[$s] + NONE[$s] )) $(( C[$r] + NONE[$r] )))
    echo "| $s | ${E[$s]} | ${NONE[$s]} | ${C[$s]} | ${T[$s]} | $(( T[$s] / 3 )) | $q | $ok | ${F[$s]} | $fok | ${FC[$s]} | $fcok | $rel |"
done <"$OUT/scenarios"
echo
echo "| scenario | actix: no CORS (call) | corsair overhead | actix-cors overhead | target (1/3) | ratio | ≤ 1/3 | floor overhead | floor ≤ 1/3 | checked floor overhead | checked floor ≤ 1/3 | corsair request | actix-cors request |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
while read -r s; do
    ok=$(awk -v c="${AC[$s]}" -v t="${AX[$s]}" 'BEGIN { print (3 * c <= t) ? "met" : "missed" }')
    fok=$(awk -v c="${AF[$s]}" -v t="${AX[$s]}" 'BEGIN { print (3 * c <= t) ? "yes" : "no" }')
    fcok=$(awk -v c="${AFC[$s]}" -v t="${AX[$s]}" 'BEGIN { print (3 * c <= t) ? "yes" : "no" }')
    echo "| $s | ${AN[$s]} | ${AC[$s]} | ${AX[$s]} | $(( AX[$s] / 3 )) | $(ratio "${AC[$s]}" "${AX[$s]}") | $ok | ${AF[$s]} | $fok | ${AFC[$s]} | $fcok | $(( AN[$s] + AC[$s] )) | $(( AN[$s] + AX[$s] )) |"
done <"$OUT/scenarios"
