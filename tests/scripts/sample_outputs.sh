#!/bin/bash
# The sample county's outputs, for comparing two builds of YiTu byte for byte (issue 10's "no change in behaviour"):
#   bash tests/scripts/sample_outputs.sh BIN OUTDIR      (run from the repository root)
# then `cmp` the files of two OUTDIRs. Writes: all.json, all.csv, all.xlsx, ledger.json, village.pdf/.xlsx, the
# town atlas PDF, every PDF page as PNG (pdftoppm -r 60), render.png and town.dump (the data package's SQL dump with
# timestamps masked). SOURCE_DATE_EPOCH fixes the dates stamped into documents; the cache is a fresh one in OUTDIR.
set -euo pipefail
export SOURCE_DATE_EPOCH=1796000000
BIN=$(realpath "$1"); OUT=$2; rm -rf "$OUT"; mkdir -p "$OUT"; OUT=$(realpath "$OUT")
C="$OUT/cache.sqlite"
P=sample-data/xianyou_sample.yitu
"$BIN" profile $P --all --format json --cache "$C" > "$OUT/all.json"
"$BIN" profile $P --all --format csv --cache "$C" > "$OUT/all.csv"
"$BIN" profile $P --all --format xlsx --out "$OUT/all.xlsx" --cache "$C"
"$BIN" profile $P --all --ledger --format json --cache "$C" > "$OUT/ledger.json"
V=$(python3 -c "import json;print(json.load(open('$OUT/all.json'))[0]['code'])")
"$BIN" profile $P --village "$V" --format pdf --out "$OUT/village.pdf" --cache "$C"
"$BIN" profile $P --village "$V" --format xlsx --out "$OUT/village.xlsx" --cache "$C"
"$BIN" profile $P --town "${V:0:9}" --format pdf --out "$OUT/town_atlas.pdf" --cache "$C"
"$BIN" package $P --town "${V:0:9}" --out "$OUT/town.gpkg" --cache "$C"
"$BIN" render sample-data/xianyou_sample.gpkg --out "$OUT/render.png"
for f in "$OUT"/*.pdf; do pdftoppm -r 60 -png "$f" "${f%.pdf}_page"; done
sqlite3 "$OUT/town.gpkg" .dump | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g' > "$OUT/town.dump"
rm -rf "$OUT/town.gpkg" "$OUT/cache.sqlite" "$OUT/cache-data"
