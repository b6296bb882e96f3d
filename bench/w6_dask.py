"""W6, the shuffle word count, on Dask: N partitions of text (the generator of
../shared/peers/py_peers.py), the words of each partition counted, the counts shuffled by word
into 16 partitions (`groupby(split_out=16)`), summed, the top ten taken (ties by word).

Usage: python w6_dask.py N [WORDS] [threads|processes]
Prints RESULT <compact JSON> and RUN_S <seconds> (the pipeline only), as every peer does.
"""

import json
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.environ.get("PEERS", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "peers")))
from py_peers import DEFAULT_WORDS, gen_partition  # noqa: E402


def counts(p, words):
    import pandas as pd

    counted = Counter(gen_partition(p, words).split())
    return pd.DataFrame({"word": list(counted.keys()), "count": list(counted.values())})


def main(argv):
    if len(argv) not in (2, 3, 4):
        sys.exit(__doc__)
    n = int(argv[1])
    words = int(argv[2]) if len(argv) > 2 else DEFAULT_WORDS
    scheduler = argv[3] if len(argv) > 3 else "threads"
    import dask
    import dask.dataframe as dd
    import pandas as pd

    t0 = time.perf_counter()
    meta = pd.DataFrame({"word": pd.Series([], dtype="str"), "count": pd.Series([], dtype="int64")})
    frame = dd.from_delayed([dask.delayed(counts)(p, words) for p in range(n)], meta=meta)
    totals = frame.groupby("word")["count"].sum(split_out=16)
    result = totals.compute(scheduler=scheduler)
    top = sorted(result.items(), key=lambda wc: (-wc[1], wc[0]))[:10]
    elapsed = time.perf_counter() - t0
    print("RESULT " + json.dumps([[w, int(c)] for w, c in top], separators=(",", ":")))
    print(f"RUN_S {elapsed:.6f}")


if __name__ == "__main__":
    main(sys.argv)
