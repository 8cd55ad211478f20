# Copyright 2026 The semble Authors.
#
# Medians per row and server of a paired.sh output, and the per-round ratio of req/s to a base
# server (default: the first). python3 summarize.py OUT [BASE]
import sys, statistics as st, collections
rows = collections.defaultdict(lambda: collections.defaultdict(dict))
names = []
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) < 4 or not p[0].isdigit(): print(line.strip()); continue
    r, row, n = p[0], p[1], p[2]
    kv = dict(x.split('=') for x in p[3:])
    rows[row][n][r] = {k: float(v) for k, v in kv.items()}
    if n not in names: names.append(n)
base = sys.argv[2] if len(sys.argv) > 2 else names[0]
for row, by in rows.items():
    print(f"## {row}")
    for n in names:
        d = by[n]
        med = lambda k: st.median(x[k] for x in d.values())
        ratios = [d[r]['rps'] / by[base][r]['rps'] for r in d if r in by[base]]
        loads = [x['load'] for x in d.values()]
        print(f"  {n:14s} rps {med('rps'):8.0f} mean {med('mean_us'):8.1f} cpu {med('cpu_us'):6.1f}  ratio-vs-{base} med {st.median(ratios):.3f} [{min(ratios):.2f}-{max(ratios):.2f}] load {min(loads):.1f}-{max(loads):.1f} n={len(d)}")
