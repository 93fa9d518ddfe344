#!/bin/sh
# publish.sh DB DIR: exports every complete run of DB that DIR does not hold
# yet to DIR/<start date>-<uuid>.json (one file per run, diffable in git).
set -eu
db=$1; dir=$2
mkdir -p "$dir"
sqlite3 "$db" "SELECT uuid || ' ' || substr(started_at, 1, 10) FROM run WHERE status = 'complete' ORDER BY started_at" |
while read -r uuid day; do
    # A path is built from db text only once it is checked: import refuses
    # such uuids, but the db may have been written by something else.
    case "$uuid" in
    *[!0-9a-f-]* | "" ) echo "publish: refusing run uuid '$uuid' (not a uuid)" >&2; exit 1 ;;
    esac
    case "$day" in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
    *) echo "publish: refusing run $uuid: start date '$day' is not YYYY-MM-DD" >&2; exit 1 ;;
    esac
    [ ${#uuid} -eq 36 ] || { echo "publish: refusing run uuid '$uuid' (not a uuid)" >&2; exit 1; }
    f="$dir/$day-$uuid.json"
    [ -f "$f" ] && continue
    ./bin/mcreport export --run "$uuid" --db "$db" > "$f.tmp"
    mv "$f.tmp" "$f"
    echo "publish: $f"
done
