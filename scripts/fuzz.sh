#!/bin/sh
# Builds p2psim's libFuzzer targets (Fuzz/, with -sanitize=fuzzer,address) and runs each for its
# share of SECONDS (default 600), seeded from the bundled topologies, scenarios and hwloc files.
#
#   scripts/fuzz.sh 600            # 2 minutes per target
#   FUZZ_TARGETS="FuzzUnits" scripts/fuzz.sh 60
#
# Crashes, hangs (over 10 s per input) and inputs using over 2 GiB are written to
# $P2PSIM_FUZZ_WORK/crashes (default: a folder under $TMPDIR); the summary gives executions per
# target, and the exit status is 1 when anything was found. Turn each finding into a regression
# test with its input under Tests/ (see docs/hardening.md).
set -eu

total=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=${FUZZ_TARGETS:-"FuzzTopology FuzzScenario FuzzHwloc FuzzUnits FuzzRepeatExpression"}
work=${P2PSIM_FUZZ_WORK:-${TMPDIR:-/tmp}/p2psim-fuzz}
count=$(echo "$targets" | wc -w)
share=$((total / count))
[ "$share" -ge 1 ] || share=1

mkdir -p "$work/crashes" "$work/logs"
cd "$root/Fuzz"
flags="-Xswiftc -sanitize=fuzzer,address"
echo "building the fuzz targets (log: $work/logs/build.log)"
# shellcheck disable=SC2086
if ! swift build $flags >"$work/logs/build.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$work/logs/build.log"
    exit 2
fi
# shellcheck disable=SC2086
bin=$(swift build $flags --show-bin-path)
seed() {
    # seed TARGET: a writable corpus folder holding the seeds for TARGET.
    corpus="$work/corpus/$1"
    mkdir -p "$corpus"
    case $1 in
    FuzzTopology) cp "$root"/topologies/*.xml "$corpus"/ ;;
    FuzzScenario) cp "$root"/scenarios/*.xml "$corpus"/ 2>/dev/null || true ;;
    FuzzHwloc)
        if [ -d "$root/../shared/data/hwloc" ]; then cp "$root"/../shared/data/hwloc/*.xml "$corpus"/; fi
        cp "$root"/topologies/default.xml "$corpus"/ ;;
    *) cp "$root/Fuzz/Seeds/$1"/* "$corpus"/ ;;
    esac
}

found=0
summary=""
for target in $targets; do
    seed "$target"
    log="$work/logs/$target.log"
    echo "== $target: $share s"
    status=0
    P2PSIM_FUZZ_SCENARIOS="$root/scenarios" ASAN_OPTIONS=detect_leaks=0 \
        "$bin/$target" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/$target-" "$work/corpus/$target" >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
    if [ "$status" -ne 0 ]; then
        found=1
        summary="$summary$target: $runs executions, FOUND a problem (exit $status): $(grep -m1 -o 'Test unit written to .*' "$log" || echo "see $log")
"
    else
        summary="$summary$target: $runs executions, nothing found
"
    fi
done
printf '\n%s' "$summary"
echo "logs and corpora: $work"
exit "$found"
