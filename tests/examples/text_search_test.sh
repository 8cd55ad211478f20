#!/bin/sh
# Runs examples/embedded/text_search against a fresh data directory and checks what it claims: the
# index embeds the records' text and the query's text with the installed default model, so the
# two sentences about a sleeping pet come first. Run twice: the second run opens the stored index
# (the records are upserted again) and must answer the same.
# usage: text_search_test.sh TEXT_SEARCH_BINARY SEMBLE_BINARY
set -eu
example=$1
semble=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/semble-example-XXXXXX")
trap 'rm -rf "$dir"' EXIT
# The models the CLI uses (scripts/setup installs the default one there).
if [ -z "${SEMBLE_MODELS_DIR:-}" ]; then
  SEMBLE_MODELS_DIR=$("$semble" model list --json | sed -n 's/^{"models_dir":"\([^"]*\)".*/\1/p')
  export SEMBLE_MODELS_DIR
fi
for run in 1 2; do
  out=$("$example" "$dir/db" "a pet asleep in the sun")
  echo "run $run:"
  echo "$out"
  [ "$(echo "$out" | wc -l)" -eq 3 ] || { echo "expected 3 matches"; exit 1; }
  top2=$(echo "$out" | head -2 | awk '{print $2}' | sort | tr '\n' ' ')
  [ "$top2" = "cat dog " ] || { echo "expected cat and dog first, got: $top2"; exit 1; }
done
# An index of records written as text holds the model's vectors: 384 dimensions.
SEMBLE_DATA_DIR="$dir/db" "$semble" vectorize info sentences --json | grep -q '"dimensions":384' ||
  { echo "the stored index does not have 384 dimensions"; exit 1; }
echo "ok"
