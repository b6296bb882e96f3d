#!/usr/bin/env bash
# W6, the shuffle word count, side by side: dagger in memory and on disk, rayon alone, and Dask
# (installed on first use in bench/.venv from bench/requirements-w6.txt). Part of
# bench/run.sh; runs alone too:
#
#   bench/w6.sh | tee -a bench/results.md
#
# Settings (environment): ROUNDS=7, W6_SIZES="64 256", WORDS=35000, PEERS=../shared/peers.
# Interleaved rounds, medians and per-round ratios as in bench/run.sh; exits 1 if a result
# differs from rayon's.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-7}
W6_SIZES=${W6_SIZES:-"64 256"}
WORDS=${WORDS:-35000}
PEERS=${PEERS:-../shared/peers}

cargo build --release -q --example peers
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv && bench/.venv/bin/pip install -q -r bench/requirements-w6.txt
fi
DAGGER=target/release/examples/peers

field() { sed -n "s/^$1 //p"; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
spread() { sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f (%.2f-%.2f)", m, a[1], a[NR]}'; }
ratios() { paste -d' ' "$1" "$2" | awk '{printf "%.6f\n", $1 / $2}'; }
mb() { awk '{printf "%.0f\n", $1 / 1024}' "$1" | median; }
peak() { /usr/bin/time -f "PEAK_KB %M" "$@" 2>&1; }

status=0
check() { # check NAME RESULT EXPECTED
    if [ "$2" != "$3" ]; then echo "MISMATCH $1: $2, rayon $3" >&2; status=1; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "W6, the shuffle word count: the words of N partitions of $WORDS words counted, the counts shuffled by word into 16 partitions, summed per word, the top ten taken. Against the same with rayon alone (each partition's counts split into the 16 buckets by the same hash, then each bucket summed; \`peers w6-rayon\`) and Dask (\`groupby(split_out=16)\` over \`from_delayed\` partitions, threads; \`bench/w6_dask.py\`); dagger in memory and on a temporary disk store. Peak RSS of the whole process (GNU time)."
echo
echo "| N | raw rayon s | dagger s | dagger on disk s | Dask s | dagger / rayon | Dask / dagger | rayon MB | dagger MB | dagger on disk MB | Dask MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $W6_SIZES; do
    echo "[w6 $n]" >&2
    for f in rt dt st kt rm dm sm km; do : >"$tmp/$f"; done
    for ((i = 0; i < ROUNDS; i++)); do
        out=$(peak $DAGGER w6-rayon "$n" "$WORDS"); expected=$(field RESULT <<<"$out")
        field RUN_S <<<"$out" >>"$tmp/rt"; field PEAK_KB <<<"$out" >>"$tmp/rm"
        out=$(peak $DAGGER w6 "$n" "$WORDS"); check "w6 $n" "$(field RESULT <<<"$out")" "$expected"
        field RUN_S <<<"$out" >>"$tmp/dt"; field PEAK_KB <<<"$out" >>"$tmp/dm"
        out=$(peak $DAGGER w6-disk "$n" "$WORDS"); check "w6-disk $n" "$(field RESULT <<<"$out")" "$expected"
        field RUN_S <<<"$out" >>"$tmp/st"; field PEAK_KB <<<"$out" >>"$tmp/sm"
        out=$(PEERS=$PEERS peak bench/.venv/bin/python bench/w6_dask.py "$n" "$WORDS"); check "w6 dask $n" "$(field RESULT <<<"$out")" "$expected"
        field RUN_S <<<"$out" >>"$tmp/kt"; field PEAK_KB <<<"$out" >>"$tmp/km"
    done
    echo "| $n | $(median <"$tmp/rt") | $(median <"$tmp/dt") | $(median <"$tmp/st") | $(median <"$tmp/kt") | $(ratios "$tmp/dt" "$tmp/rt" | spread) | $(ratios "$tmp/kt" "$tmp/dt" | spread) | $(mb "$tmp/rm") | $(mb "$tmp/dm") | $(mb "$tmp/sm") | $(mb "$tmp/km") |"
done
exit $status
