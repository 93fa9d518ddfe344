#!/bin/sh
# Readers work on read-only media; a db that is not ours is left byte for
# byte as it was. (mcreport used to fail in a read-only directory with
# "attempt to write a readonly database"; mcbench import into a foreign
# SQLite file switched it to WAL before refusing it.)
. "$(dirname "$0")/../lib.sh"
# As root, permissions do not bind: run the readers as nobody instead.
as_user() {
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null || skip "root without setpriv: cannot test read-only media"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
    else
        "$@"
    fi
}
chmod 777 "$T"  # the readers write charts under reports/
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db w.sqlite
expect_ok mcreport export --all --db w.sqlite
cp "$T/out" all.json
# 1. a WAL db in a read-only directory, without -wal or -shm beside it
mkdir ro && cp w.sqlite ro/ && chmod 444 ro/w.sqlite && chmod 555 ro
[ "$(sqlite3 ro/w.sqlite 'PRAGMA journal_mode')" = wal ] || die "fixture db is not in WAL mode"
cksum ro/w.sqlite > ro.sum
as_user "$BIN/mcreport" --db ro/w.sqlite > ro.md 2> ro.err || { cat ro.err; die "mcreport failed in a read-only directory"; }
expect_ok mcreport --db w.sqlite
sed "s|ro/w.sqlite|w.sqlite|g" ro.md | cmp -s "$T/out" - || { diff "$T/out" ro.md | head; die "read-only render differs"; }
as_user "$BIN/mcreport" export --all --db ro/w.sqlite > ro.json 2> ro.err || { cat ro.err; die "export failed in a read-only directory"; }
cmp -s ro.json all.json || die "read-only export differs"
cksum ro/w.sqlite | cmp -s - ro.sum || die "read-only db changed"
[ ! -e ro/w.sqlite-wal ] && [ ! -e ro/w.sqlite-shm ] || die "reader created files in a read-only directory"
# 2. a read-only file in a writable directory
mkdir rf && cp w.sqlite rf/ && chmod 444 rf/w.sqlite && chmod 777 rf
as_user "$BIN/mcreport" export --all --db rf/w.sqlite > rf.json 2> rf.err || { cat rf.err; die "export failed on a read-only file"; }
cmp -s rf.json all.json || die "export of a read-only file differs"
# a writer on read-only media fails with one line naming the db
if as_user "$BIN/mcbench" import all.json --db ro/w.sqlite > /dev/null 2> wr.err; then die "import into a read-only db succeeded"; fi
grep -q 'ro/w.sqlite' wr.err || { cat wr.err; die "writer error does not name the db"; }
[ "$(wc -l < wr.err)" = 1 ] || { cat wr.err; die "writer error is not one line"; }
cksum ro/w.sqlite | cmp -s - ro.sum || die "read-only db changed by a refused import"
chmod 755 ro rf
# 3. an SQLite file of another program: refused, byte-identical, no -wal left
sqlite3 foreign.sqlite 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
cp foreign.sqlite foreign.orig
expect_fail 1 mcbench import all.json --db foreign.sqlite
expect_grep 'foreign.sqlite' "$T/err"; expect_grep 'not an mcbench store' "$T/err"
cmp -s foreign.sqlite foreign.orig || die "foreign db was modified"
[ ! -e foreign.sqlite-wal ] || die "foreign db got a -wal file"
expect_fail 1 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db foreign.sqlite
cmp -s foreign.sqlite foreign.orig || die "foreign db was modified by run"
# 4. a store from a newer schema: refused by writers and readers, unchanged
cp w.sqlite new.sqlite
sqlite3 new.sqlite 'PRAGMA journal_mode = DELETE; PRAGMA user_version = 999;' > /dev/null
cp new.sqlite new.orig
expect_fail 1 mcbench import all.json --db new.sqlite
expect_grep 'newer than this mcbench' "$T/err"
cmp -s new.sqlite new.orig || die "newer-schema db was modified"
expect_fail 1 mcreport --db new.sqlite
expect_grep 'newer than this mcbench' "$T/err"
cmp -s new.sqlite new.orig || die "newer-schema db was modified by a reader"
echo ok
