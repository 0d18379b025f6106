#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, two at a
# time, and fails if any of them finds a crash, a timeout or an
# out-of-memory. Prints each target's executions, executions per second and
# coverage (libFuzzer's cov/ft) at the end.
#
#   fuzz/run-all.sh SECONDS [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); uses the stable
# toolchain through RUSTC_BOOTSTRAP=1. Builds once, then runs the target
# binaries directly. New inputs go to fuzz/logs/work/<target>/ (the
# committed corpus in fuzz/corpus/<target>/ is only read); crashes go to
# fuzz/artifacts/<target>/, logs to fuzz/logs/<target>.log.
# Extra libFuzzer options can be given in FUZZ_ARGS.
set -euo pipefail

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//' | sort)
fi
jobs=${FUZZ_JOBS:-2}

export RUSTC_BOOTSTRAP=1
mkdir -p logs
echo "building ${#targets[@]} targets..."
cargo fuzz build >logs/build.txt 2>&1 || { cat logs/build.txt; exit 1; }
triple=$(rustc -vV | sed -n 's/^host: //p')
bindir="$here/target/$triple/release"

dict_for() {
    case "$1" in
        rtsp_* | server | client) echo "$here/dict/rtsp.dict" ;;
        sdp) echo "$here/dict/sdp.dict" ;;
        jpeg_* | mjpeg | rfc2435_*) echo "$here/dict/jpeg.dict" ;;
    esac
}

run_one() {
    local t=$1
    local work="$here/logs/work/$t"
    mkdir -p "$work" "$here/artifacts/$t"
    local dict
    dict=$(dict_for "$t")
    local args=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout=10
        -print_final_stats=1 -artifact_prefix="$here/artifacts/$t/")
    [[ -n $dict ]] && args+=(-dict="$dict")
    # shellcheck disable=SC2086
    if "$bindir/$t" "${args[@]}" ${FUZZ_ARGS:-} "$work" "$here/corpus/$t" \
        >"$here/logs/$t.log" 2>&1; then
        echo "ok   $t"
    else
        echo "FAIL $t (see fuzz/logs/$t.log and fuzz/artifacts/$t/)"
        return 1
    fi
}
export -f run_one dict_for
export here secs bindir

status=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}' || status=1

printf '\n%-22s %12s %9s %7s %7s\n' target executions exec/s cov ft
for t in "${targets[@]}"; do
    log="logs/$t.log"
    [[ -f $log ]] || continue
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    printf '%-22s %12s %9s %7s %7s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}"
done
exit $status
