#!/usr/bin/env bash
# Side-by-side benchmark of dagger against raw rayon (../shared/peers/rust-baseline) and plain
# rayon, on the workloads of ../shared/peers: W1 (overhead), W2 (word count), the chained-map
# workload (memory of a chain of tasks), and W3 (memory on disk, dagger only).
#
#   bench/run.sh | tee bench/results.md
#
# Programs are run interleaved (A, B, C, A, B, C, ...), ROUNDS times, so that each round's
# ratios compare runs that saw the same load; the tables give the median of each program's
# times and the median and range (min-max) of the per-round ratios.
#
# W6 (the shuffle word count) also runs Dask (bench/w6_dask.py), installed on first use in
# bench/.venv from bench/requirements-w6.txt.
#
# Settings (environment): ROUNDS=7, W1_SIZES, W2_SIZES, W6_SIZES, W3_SIZES, W3_COUNTS, WORDS=35000,
# LOG_FILES=40, LOG_LINES=50000, W4_N=50000, W5_N=20000, W5_DELAY_US=200. Prints markdown;
# progress goes to stderr. Exits 1 if dagger's results differ from raw rayon's (or W4's from
# the program written by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-7}
W1_SIZES=${W1_SIZES:-"1000 100000 1000000"}
W2_SIZES=${W2_SIZES:-"16 64 256"}
W6_SIZES=${W6_SIZES:-"64 256"}
W3_SIZES=${W3_SIZES:-"64 512"}
W3_COUNTS=${W3_COUNTS:-"2000 20000"}
WORDS=${WORDS:-35000}
LOG_FILES=${LOG_FILES:-40}
LOG_LINES=${LOG_LINES:-50000}
W4_N=${W4_N:-50000}
W5_N=${W5_N:-20000}
W5_DELAY_US=${W5_DELAY_US:-200}
PEERS=${PEERS:-../shared/peers}

cargo build --release -q --example peers --example memory --example logs --example startup --example incremental \
    --example yearly --example killed --example big_value --bin w4 --bin pipelines
cargo build --release -q --manifest-path "$PEERS/rust-baseline/Cargo.toml" --target-dir target/rust-baseline
RAYON=target/rust-baseline/release/rust-baseline
DAGGER=target/release/examples/peers
LOGS=target/release/examples/logs
W4=target/release/w4

field() { sed -n "s/^$1 //p"; }
# The median of the numbers on standard input.
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# "median (min-max)" of the numbers on standard input, with two decimals.
spread() { sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f (%.2f-%.2f)", m, a[1], a[NR]}'; }
ratios() { paste -d' ' "$1" "$2" | awk '{printf "%.6f\n", $1 / $2}'; }

status=0
check() { # check NAME RESULT EXPECTED
    if [ "$2" != "$3" ]; then echo "MISMATCH $1: dagger $2, rayon $3" >&2; status=1; fi
}

echo "# Benchmarks"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(rustc --version)"
echo "- run s: the pipeline alone (rayon's pool started first); median of $ROUNDS interleaved rounds"
echo "- ratios: per round, then the median and the range over the rounds"
echo
echo "| workload | N | raw rayon s | raw rayon, one job per partition s | dagger s | dagger / per-job rayon | dagger / rayon |"
echo "|---|---:|---:|---:|---:|---:|---:|"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for w in w1 w2 w2-stream; do
    sizes=$W1_SIZES; [ "$w" != w1 ] && sizes=$W2_SIZES
    for n in $sizes; do
        args="$w $n"; base="$w $n"
        [ "$w" != w1 ] && args="$w $n $WORDS" && base="w2 $n $WORDS"
        echo "[$args]" >&2
        : >"$tmp/rayon"; : >"$tmp/job"; : >"$tmp/dagger"
        for ((i = 0; i < ROUNDS; i++)); do
            # shellcheck disable=SC2086
            out=$($RAYON $base); field RUN_S <<<"$out" >>"$tmp/rayon"; expected=$(field RESULT <<<"$out")
            # shellcheck disable=SC2086
            $RAYON $base --per-task | field RUN_S >>"$tmp/job"
            # shellcheck disable=SC2086
            out=$($DAGGER $args); field RUN_S <<<"$out" >>"$tmp/dagger"; check "$args" "$(field RESULT <<<"$out")" "$expected"
        done
        label=$w; [ "$w" = w2-stream ] && label="w2, streaming source"
        echo "| $label | $n | $(median <"$tmp/rayon") | $(median <"$tmp/job") | $(median <"$tmp/dagger") | $(ratios "$tmp/dagger" "$tmp/job" | spread) | $(ratios "$tmp/dagger" "$tmp/rayon" | spread) |"
    done
done
echo
echo
echo "Chained maps: $LOG_FILES log files of $LOG_LINES lines, each parsed then summarized by a chain of two tasks in one map, against plain rayon (\`par_iter\` over the files, one closure per file)."
echo
echo "| workload | files | rayon s | dagger s | dagger / rayon, time | rayon peak RSS MB | dagger peak RSS MB | dagger / rayon, memory |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
echo "[logs $LOG_FILES]" >&2
: >"$tmp/rt"; : >"$tmp/dt"; : >"$tmp/rm"; : >"$tmp/dm"
for ((i = 0; i < ROUNDS; i++)); do
    out=$($LOGS rayon "$LOG_FILES" "$LOG_LINES"); expected=$(field RESULT <<<"$out")
    field RUN_S <<<"$out" >>"$tmp/rt"; field PEAK_RSS_MB <<<"$out" >>"$tmp/rm"
    out=$($LOGS dagger "$LOG_FILES" "$LOG_LINES"); check logs "$(field RESULT <<<"$out")" "$expected"
    field RUN_S <<<"$out" >>"$tmp/dt"; field PEAK_RSS_MB <<<"$out" >>"$tmp/dm"
done
echo "| logs (parse, then summarize) | $LOG_FILES | $(median <"$tmp/rt") | $(median <"$tmp/dt") | $(ratios "$tmp/dt" "$tmp/rt" | spread) | $(median <"$tmp/rm") | $(median <"$tmp/dm") | $(ratios "$tmp/dm" "$tmp/rm" | spread) |"
echo
echo "W4: $W4_N partitions of one \`u64\` through a map and a fan-in on a disk store, against a plain program writing and reading the same files with the same durability (\`w4 by-hand\`); each round in fresh folders."
echo
echo "| workload | N | by hand s | dagger s | dagger / by hand | files |"
echo "|---|---:|---:|---:|---:|---:|"
echo "[w4 $W4_N]" >&2
: >"$tmp/ht"; : >"$tmp/dt"
for ((i = 0; i < ROUNDS; i++)); do
    rm -rf "$tmp/w4"; out=$($W4 by-hand "$tmp/w4" "$W4_N"); expected=$(field RESULT <<<"$out"); field RUN_S <<<"$out" >>"$tmp/ht"
    rm -rf "$tmp/w4"; out=$($W4 dagger "$tmp/w4" "$W4_N"); check w4 "$(field RESULT <<<"$out")" "$expected"; field RUN_S <<<"$out" >>"$tmp/dt"
done
files=$(find "$tmp/w4/many/square/output" -type f ! -name partitions.json | wc -l)
echo "| w4 | $W4_N | $(median <"$tmp/ht") | $(median <"$tmp/dt") | $(ratios "$tmp/dt" "$tmp/ht" | spread) | $files |"
echo
echo "W5: the first run of W4 against a second run on the same folder (everything reused); and a run slowed to $W5_DELAY_US µs a partition, killed with SIGKILL half way, then run again: what the rerun computes (counted in a side channel) against what was not stored."
echo
echo "| workload | N | first run s | rerun s | rerun / first |"
echo "|---|---:|---:|---:|---:|"
echo "[w5 rerun]" >&2
: >"$tmp/ft"; : >"$tmp/rt"
for ((i = 0; i < ROUNDS; i++)); do
    rm -rf "$tmp/w5"; $W4 dagger "$tmp/w5" "$W4_N" | field RUN_S >>"$tmp/ft"
    $W4 dagger "$tmp/w5" "$W4_N" | field RUN_S >>"$tmp/rt"
done
echo "| w5, rerun of a finished run | $W4_N | $(median <"$tmp/ft") | $(median <"$tmp/rt") | $(ratios "$tmp/rt" "$tmp/ft" | spread) |"
echo
echo "| workload | N | computed before the kill | stored at the kill | computed by the rerun | not stored at the kill | ran twice |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "[w5 kill]" >&2
for ((i = 0; i < 3; i++)); do
    rm -rf "$tmp/w5"; : >"$tmp/first.log"; : >"$tmp/second.log"
    DAGGER_W4_DELAY_US=$W5_DELAY_US DAGGER_W4_LOG="$tmp/first.log" $W4 dagger "$tmp/w5" "$W5_N" >/dev/null &
    pid=$!
    while [ "$(wc -l <"$tmp/first.log")" -lt $((W5_N / 2)) ]; do sleep 0.01; done
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    before=$(wc -l <"$tmp/first.log")
    stored=$(find "$tmp/w5/many/square/output" -type f ! -name partitions.json ! -name '.*' -printf '%f\n' | awk -F- '{ n += (NF == 2) ? $2 - $1 + 1 : 1 } END { print n + 0 }')
    out=$(DAGGER_W4_LOG="$tmp/second.log" $W4 dagger "$tmp/w5" "$W5_N")
    check w5 "$(field RESULT <<<"$out")" "$($W4 by-hand "$tmp/w5-check" "$W5_N" | field RESULT)"; rm -rf "$tmp/w5-check"
    rerun=$(wc -l <"$tmp/second.log")
    twice=$(sort -n "$tmp/first.log" "$tmp/second.log" | uniq -d | wc -l)
    echo "| w5, killed half way | $W5_N | $before | $stored | $rerun | $((W5_N - stored)) | $twice |"
done
echo
echo "Jobs as processes: a job on small values (\`pipelines --dag quick_start node sum_numbers --store DIR\`: start, read 7 partitions, write one value) against the same binary's \`run\` of the whole 3-node DAG in memory, and its \`--help\`; $((ROUNDS * 15)) interleaved rounds (\`target/release/examples/startup\`)."
echo
echo "[startup]" >&2
out=$(target/release/examples/startup target/release/pipelines $((ROUNDS * 15)))
echo "| job ms | run ms | --help ms | job / run |"
echo "|---:|---:|---:|---:|"
echo "| $(field JOB_MS <<<"$out") | $(field RUN_MS <<<"$out") | $(field HELP_MS <<<"$out") | $(field JOB_OVER_RUN <<<"$out") |"
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
echo
echo "Reruns of a year of daily data (\`target/release/examples/yearly $ROUNDS\`): 365 daily CSV files of 3000 flights (\`dagger_examples::flights\`: parse, daily stats, a 7-day window, a join of each day with its week, a per-carrier shuffle into 8 partitions, a report), on a disk store: a cold run, the same run again, then one day more. Each round in fresh folders, its three runs one after the other; the task runs (counted by the tasks) in the order daily_files, parse, daily_stats, week, compare, day_carriers, carrier_totals, report."
echo
echo "[yearly]" >&2
out=$(target/release/examples/yearly "$ROUNDS")
echo '```text'
grep '^round' <<<"$out"
echo '```'
echo
echo "| cold s | unchanged rerun s | one day more s | unchanged / cold | one day more / cold |"
echo "|---:|---:|---:|---:|---:|"
echo "| $(field COLD_S <<<"$out") | $(field RERUN_S <<<"$out") | $(field GROWN_S <<<"$out") | $(field RERUN_RATIO <<<"$out") | $(field GROWN_RATIO <<<"$out") |"
echo
echo "Runs killed with SIGKILL (\`target/release/examples/killed plain|keyed $ROUNDS\`): each round runs a map of 1 ms of work a partition in a process of its own, kills it at a random point (a fifth to four fifths of the way), runs it again to the end, and counts the partitions both computed (logged by the task). \`plain\`: W4's map of 2000 partitions; \`keyed\`: a daily set of 1000 days computed, then grown to 2000 days and killed while the new days run (what reuse by key redoes)."
echo
echo "| workload | threads | partitions computed twice | that work per thread, ms |"
echo "|---|---:|---:|---:|"
for kind in plain keyed; do
    echo "[killed $kind]" >&2
    n=2000; [ "$kind" = keyed ] && n=1000
    out=$(target/release/examples/killed "$kind" "$ROUNDS" "$n" 1000)
    echo "| $kind | $(field THREADS <<<"$out") | $(field REDONE <<<"$out") | $(field REDONE_MS_PER_THREAD <<<"$out") |"
done
echo
echo "A big value (\`target/release/examples/big_value json|serde-json|binary 500\`): a task makes 500 MiB of JSON rows (11 million), which the store writes and the next task (another job) reads back: the pipeline (make, write, read), and its write and read; against \`serde_json\` writing the same rows straight to a buffered file (synced) and reading them back whole, and the binary format (postcard). Interleaved rounds."
echo
echo "| format | pipeline s | write s | read s | peak RSS MB | pipeline / binary | write + read / serde_json |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for f in json serde-json binary; do : >"$tmp/big-$f-w"; : >"$tmp/big-$f-r"; : >"$tmp/big-$f-t"; : >"$tmp/big-$f-a"; : >"$tmp/big-$f-m"; done
echo "[big value]" >&2
for ((i = 0; i < ROUNDS; i++)); do
    for f in json serde-json binary; do
        out=$(target/release/examples/big_value "$f" 500)
        field WRITE_S <<<"$out" >>"$tmp/big-$f-w"; field READ_S <<<"$out" >>"$tmp/big-$f-r"
        field RUN_S <<<"$out" >>"$tmp/big-$f-t"; field TOTAL_S <<<"$out" >>"$tmp/big-$f-a"
        field PEAK_RSS_MB <<<"$out" >>"$tmp/big-$f-m"
    done
done
for f in json serde-json binary; do
    echo "| $f | $(median <"$tmp/big-$f-a") | $(median <"$tmp/big-$f-w") | $(median <"$tmp/big-$f-r") | $(median <"$tmp/big-$f-m") | $(ratios "$tmp/big-$f-a" "$tmp/big-binary-a" | spread) | $(ratios "$tmp/big-$f-t" "$tmp/big-serde-json-t" | spread) |"
done
# Last: W6 on disk creates and deletes thousands of files, which slows the file system's next
# file creations for a while (ext4), so it runs after every other workload.
echo
ROUNDS=$ROUNDS W6_SIZES=$W6_SIZES WORDS=$WORDS PEERS=$PEERS bench/w6.sh || status=1
echo
echo "Incremental: a daily set of 365 days through a map of ~2 ms of work a day and a fan-in by key, on a disk store, then the same DAG with 366 days (\`target/release/examples/incremental\`); the partitions each run computed are counted by the task."
echo
echo "| run | days | computed | s (median of $ROUNDS) |"
echo "|---|---:|---:|---:|"
echo "[incremental]" >&2
: >"$tmp/first"; : >"$tmp/more"
for ((i = 0; i < ROUNDS; i++)); do
    out=$(target/release/examples/incremental 365 2)
    sed -n 's/^first run: .* partitions, \(.*\) s$/\1/p' <<<"$out" >>"$tmp/first"
    sed -n 's/^one day more: .* partitions, \(.*\) s$/\1/p' <<<"$out" >>"$tmp/more"
    first_count=$(sed -n 's/^first run: .*computed \([0-9]*\) of.*/\1/p' <<<"$out")
    more_count=$(sed -n 's/^one day more: .*computed \([0-9]*\) of.*/\1/p' <<<"$out")
done
echo "| first run | 365 | $first_count | $(median <"$tmp/first") |"
echo "| one day more | 366 | $more_count | $(median <"$tmp/more") |"
exit $status
