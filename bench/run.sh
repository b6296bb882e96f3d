#!/usr/bin/env bash
# Side-by-side benchmark of dagger against raw rayon (../shared/peers/rust-baseline), on the
# workloads of ../shared/peers: W1 (overhead), W2 (word count), and W3 (memory, dagger only).
#
#   bench/run.sh | tee bench/results.md
#
# Settings (environment): REPEATS=5 (best of), W1_SIZES, W2_SIZES, W3_SIZES, W3_COUNTS, WORDS=35000.
# Prints a markdown table; progress goes to stderr. Exits 1 if dagger's results differ from
# raw rayon's.
set -euo pipefail
cd "$(dirname "$0")/.."

REPEATS=${REPEATS:-5}
W1_SIZES=${W1_SIZES:-"1000 100000 1000000"}
W2_SIZES=${W2_SIZES:-"16 64 256"}
W3_SIZES=${W3_SIZES:-"64 512"}
W3_COUNTS=${W3_COUNTS:-"2000 20000"}
WORDS=${WORDS:-35000}
PEERS=${PEERS:-../shared/peers}

cargo build --release -q --example peers --example memory
cargo build --release -q --manifest-path "$PEERS/rust-baseline/Cargo.toml" --target-dir target/rust-baseline
RAYON=target/rust-baseline/release/rust-baseline
DAGGER=target/release/examples/peers

field() { sed -n "s/^$1 //p"; }
# "<best RUN_S of $REPEATS runs> <RESULT of the last run>"
best() {
    local out times=() result=""
    for ((i = 0; i < REPEATS; i++)); do
        out=$("$@")
        times+=("$(field RUN_S <<<"$out")")
        result=$(field RESULT <<<"$out")
    done
    echo "$(printf '%s\n' "${times[@]}" | sort -g | head -n1) $result"
}

echo "# Benchmarks"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(rustc --version)"
echo "- run s: the pipeline alone (rayon's pool started first), best of $REPEATS runs"
echo
echo "| workload | N | raw rayon s | raw rayon, one job per partition s | dagger s | dagger / per-job rayon | dagger / rayon |"
echo "|---|---:|---:|---:|---:|---:|---:|"
status=0
for w in w1 w2; do
    sizes=$W1_SIZES; [ "$w" = w2 ] && sizes=$W2_SIZES
    for n in $sizes; do
        args="$w $n"; [ "$w" = w2 ] && args="$w $n $WORDS"
        echo "[$args]" >&2
        # shellcheck disable=SC2086
        read -r rayon expected <<<"$(best $RAYON $args)"
        # shellcheck disable=SC2086
        read -r per_job _ <<<"$(best $RAYON $args --per-task)"
        # shellcheck disable=SC2086
        read -r dagger result <<<"$(best $DAGGER $args)"
        if [ "$result" != "$expected" ]; then
            echo "MISMATCH $args: dagger $result, rayon $expected" >&2; status=1
        fi
        ratio=$(awk -v a="$dagger" -v b="$per_job" 'BEGIN {printf "%.2f", a / b}')
        ratio2=$(awk -v a="$dagger" -v b="$rayon" 'BEGIN {printf "%.2f", a / b}')
        echo "| $w | $n | $rayon | $per_job | $dagger | $ratio | $ratio2 |"
        if [ "$w" = w2 ]; then
            # shellcheck disable=SC2086
            read -r stream result <<<"$(best $DAGGER w2-stream $n $WORDS)"
            if [ "$result" != "$expected" ]; then
                echo "MISMATCH w2-stream $n: dagger $result, rayon $expected" >&2; status=1
            fi
            ratio=$(awk -v a="$stream" -v b="$per_job" 'BEGIN {printf "%.2f", a / b}')
            ratio2=$(awk -v a="$stream" -v b="$rayon" 'BEGIN {printf "%.2f", a / b}')
            echo "| w2, streaming source | $n | $rayon | $per_job | $stream | $ratio | $ratio2 |"
        fi
    done
done
echo
echo "| workload | N | partition MB | run s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
for n in $W3_SIZES; do
    echo "[w3 $n]" >&2
    out=$(target/release/examples/memory "$n" 8)
    echo "| w3 (disk store, streaming reduce) | $n | 8 | $(field RUN_S <<<"$out") | $(field PEAK_RSS_MB <<<"$out") |"
done
# Many empty partitions: what the runtime itself keeps per partition on disk.
for n in $W3_COUNTS; do
    echo "[w3 $n empty]" >&2
    out=$(target/release/examples/memory "$n" 0)
    echo "| w3, empty partitions | $n | 0 | $(field RUN_S <<<"$out") | $(field PEAK_RSS_MB <<<"$out") |"
done
exit $status
