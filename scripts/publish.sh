#!/bin/sh
# publish.sh DB DIR: exports every complete run of DB that DIR does not hold
# yet to DIR/<start date>-<uuid>.json (one file per run, diffable in git).
set -eu
db=$1; dir=$2
mkdir -p "$dir"
sqlite3 "$db" "SELECT uuid || ' ' || substr(started_at, 1, 10) FROM run WHERE status = 'complete' ORDER BY started_at" |
while read -r uuid day; do
    f="$dir/$day-$uuid.json"
    [ -f "$f" ] && continue
    ./bin/mcreport export --run "$uuid" --db "$db" > "$f.tmp"
    mv "$f.tmp" "$f"
    echo "publish: $f"
done
