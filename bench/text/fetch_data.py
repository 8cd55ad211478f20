#!/usr/bin/env python3
# Copyright 2026 The semble Authors.
#
# Loads the two test collections of the hybrid search quality benchmark (bench/text/DATASETS.md)
# from the local git mirrors that the session's `fetch` tool keeps, checks each file's sha256
# against the pinned value, and writes them as plain TSV for text_quality_bench:
#
#   OUT/<collection>/docs.tsv     doc_id <TAB> text        (tabs and newlines in text become spaces)
#   OUT/<collection>/queries.tsv  query_id <TAB> text
#   OUT/<collection>/qrels.tsv    query_id <TAB> doc_id <TAB> gain (> 0)
#
# OUT must lie outside the repository: nothing here may be committed (KorQuAD is CC BY-ND, and
# neither collection is ours). Usage: fetch_data.py OUT [--mirror DIR]. Standard library only.

import argparse
import hashlib
import json
import os
import subprocess
import sys

KORQUAD = ("korquad+korquad.github.io", "61d7d66", {
    "dataset/KorQuAD_v1.0_dev.json":
        "25ffeb51e6c51ec02c071b60a10188e10005c144110f0d876b26079d80a35bdf",
})
CRANFIELD = ("Chetan-Prasad+IR-Lucene_Cran", "ff1bd825", {
    "cran.all.1400": "73d33d7e445b884bc32332034e7bc7d07ad5089d9030ead9f1de3493da21da1d",
    "cran.qry": "99578ceb88941ef89c14faf7c63c23776a376d8fba319b990f01d0c601d8b03f",
    "cranqrel": "92e54b58dac0b980152178f350d892fae66c8a239b8a11715b835fb8d2f6bc0e",
})


def git_blob(mirror, source, path):
    repo, commit, digests = source
    git_dir = os.path.join(mirror, repo, "repo")
    if not os.path.isdir(git_dir):
        owner_name = repo.replace("+", "/")
        sys.exit(f"{git_dir}: no mirror; bring it with the fetch tool (github:{owner_name})")
    data = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout
    digest = hashlib.sha256(data).hexdigest()
    if digest != digests[path]:
        sys.exit(f"{repo}:{path}: sha256 {digest}, expected {digests[path]} (other data)")
    return data


def clean(text):
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def korquad(mirror):
    raw = git_blob(mirror, KORQUAD, "dataset/KorQuAD_v1.0_dev.json")
    docs, queries, qrels, by_text = {}, {}, [], {}
    for article in json.loads(raw)["data"]:
        for p in article["paragraphs"]:
            # Three paragraphs repeat another's text exactly: one document, keyed by its text.
            doc_id = by_text.setdefault(p["context"], f"p{len(by_text)}")
            docs[doc_id] = p["context"]
            for qa in p["qas"]:
                queries[qa["id"]] = qa["question"]
                qrels.append((qa["id"], doc_id, 1))
    return docs, queries, qrels


def smart_records(text):
    """Yields (id, {field: text}) from a SMART file (.I id, then .X field lines)."""
    rec_id, fields, field = None, {}, None
    for line in text.splitlines():
        if line.startswith(".I "):
            if rec_id is not None:
                yield rec_id, fields
            rec_id, fields, field = line[3:].strip(), {}, None
        elif len(line) == 2 and line[0] == ".":
            field = line[1]
            fields[field] = ""
        elif field:
            fields[field] += line + "\n"
    if rec_id is not None:
        yield rec_id, fields


def cranfield(mirror):
    docs_raw = git_blob(mirror, CRANFIELD, "cran.all.1400").decode()
    qry_raw = git_blob(mirror, CRANFIELD, "cran.qry").decode()
    rel_raw = git_blob(mirror, CRANFIELD, "cranqrel").decode()
    docs = {i: f.get("T", "") + " " + f.get("W", "") for i, f in smart_records(docs_raw)}
    # cranqrel numbers queries 1..225 by position in cran.qry, whose .I ids skip.
    queries = {str(n): f.get("W", "") for n, (_, f) in enumerate(smart_records(qry_raw), 1)}
    qrels = []
    for line in rel_raw.splitlines():
        if line.strip():
            q, d, grade = line.split()[:3]
            # Grade 1 is the most relevant, 4 the least, -1 not relevant.
            gain = 5 - int(grade) if int(grade) > 0 else 0
            if gain:
                qrels.append((q, d, gain))
    return docs, queries, qrels


def write(out_dir, docs, queries, qrels):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "docs.tsv"), "w", encoding="utf-8") as f:
        for doc_id, text in docs.items():
            f.write(f"{doc_id}\t{clean(text)}\n")
    with open(os.path.join(out_dir, "queries.tsv"), "w", encoding="utf-8") as f:
        for query_id, text in queries.items():
            f.write(f"{query_id}\t{clean(text)}\n")
    with open(os.path.join(out_dir, "qrels.tsv"), "w", encoding="utf-8") as f:
        for q, d, gain in qrels:
            f.write(f"{q}\t{d}\t{gain}\n")
    print(f"{out_dir}: {len(docs)} documents, {len(queries)} queries, {len(qrels)} judgements")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--mirror", default=os.environ.get("SEMBLE_MIRROR", "/work/.mirror"))
    args = parser.parse_args()
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.abspath(args.out)
    if out == repo_root or out.startswith(repo_root + os.sep):
        # build*/ is ignored by git, so a build directory is allowed.
        relative = os.path.relpath(out, repo_root)
        if not relative.startswith("build"):
            sys.exit(f"{out}: inside the repository; the data must not be committed")
    write(os.path.join(out, "cranfield"), *cranfield(args.mirror))
    write(os.path.join(out, "korquad"), *korquad(args.mirror))


if __name__ == "__main__":
    main()
