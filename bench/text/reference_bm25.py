#!/usr/bin/env python3
# Copyright 2026 The semble Authors.
#
# A reference BM25 for the quality benchmark: scores every document against every query by the
# textbook formula, on the very terms semble's analyzer produced (text_quality_bench writes them),
# so that comparing its nDCG@10 with semble's keyword run measures the index and its scoring, not
# two tokenizers. Standard library only; no index, no pruning.
#
#   score(q, d) = sum over query terms t (repeats count) of
#                 idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl))
#   idf(t)      = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))          (Lucene's)
# with k1 = 1.2, b = 0.75; a document without terms is not a document (not in N or avgdl).
#
#   reference_bm25.py OUT_DIR QRELS
#
# prints nDCG@10 of the reference and of OUT_DIR/run_keyword.tsv (semble's keyword run).
#
# Both nDCG values are computed here, by the same code, from the same judgements.

import collections
import json
import math
import sys

K1, B, DEPTH = 1.2, 0.75, 100


def read_terms(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ident, _, terms = line.rstrip("\n").partition("\t")
            rows.append((ident, terms.split()))
    return rows


def reference_run(docs, queries):
    docs = [(ident, collections.Counter(terms), len(terms)) for ident, terms in docs if terms]
    n_docs = len(docs)
    avgdl = sum(length for _, _, length in docs) / n_docs
    df = collections.Counter(t for _, tf, _ in docs for t in tf)
    run = {}
    for qid, terms in queries:
        qtf = collections.Counter(terms)
        scored = []
        for position, (doc_id, tf, length) in enumerate(docs):
            norm = K1 * (1 - B + B * length / avgdl)
            score = sum(q * math.log(1 + (n_docs - df[t] + 0.5) / (df[t] + 0.5)) *
                        tf[t] * (K1 + 1) / (tf[t] + norm)
                        for t, q in qtf.items() if t in tf)
            if score > 0:
                scored.append((-score, position, doc_id))
        scored.sort()  # best first; ties to the earlier document (semble: the smaller slot)
        run[qid] = [doc_id for _, _, doc_id in scored[:DEPTH]]
    return run


def read_run(path):
    run = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            qid, doc_id, _rank, _score = line.rstrip("\n").split("\t")
            run[qid].append(doc_id)
    return run


def read_qrels(path):
    qrels = collections.defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        for line in f:
            qid, doc_id, gain = line.rstrip("\n").split("\t")
            qrels[qid][doc_id] = float(gain)
    return qrels


def ndcg10(run, qrels):
    total = 0.0
    for qid, rel in qrels.items():
        best = sorted(rel.values(), reverse=True)[:10]
        ideal = sum(g / math.log2(i + 2) for i, g in enumerate(best))
        dcg = sum(rel.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(run.get(qid, [])[:10]))
        total += dcg / ideal
    return total / len(qrels)


def main():
    out_dir, qrels_path = sys.argv[1], sys.argv[2]
    qrels = read_qrels(qrels_path)
    reference = reference_run(read_terms(f"{out_dir}/terms_docs.tsv"),
                              read_terms(f"{out_dir}/terms_queries.tsv"))
    semble = read_run(f"{out_dir}/run_keyword.tsv")
    ref, ours = ndcg10(reference, qrels), ndcg10(semble, qrels)
    same_top10 = sum(reference[q][:10] == semble.get(q, [])[:10] for q in reference)
    print(json.dumps({"reference_ndcg@10": round(ref, 4), "semble_keyword_ndcg@10": round(ours, 4),
                      "relative_difference": round((ours - ref) / ref, 5),
                      "queries_with_identical_top10": same_top10, "queries": len(reference)}))


if __name__ == "__main__":
    main()
