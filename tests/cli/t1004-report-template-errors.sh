#!/bin/sh
# Bad templates stop with FILE:LINE:COL: message on one line and exit 2,
# printing nothing on stdout.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
bad() {
    printf '%b' "$1" > bad.md.in
    expect_fail 2 mcreport --db fixture.sqlite --template bad.md.in --no-charts
    [ -s "$T/out" ] && die "a bad template printed a document: $1"
    [ "$(wc -l < "$T/err")" = 1 ] || die "error is not one line: $(cat "$T/err")"
    expect_grep "^mcreport: bad.md.in:$2" "$T/err"
}
bad '# T\n\n{{tabel suite=layer_ops}}\n' "3:3: unknown directive 'tabel'"
bad '{{table suite=layer_ops colums=cpu}}\n' "1:25: unknown argument 'colums' for {{table}}"
bad '{{table suite=layer_ops metric=speed}}\n' "1:25: unknown metric 'speed'"
bad '{{table suite=layer_ops spread=sd}}\n' "1:25: spread must be one of ci, cv, none"
bad '{{table cols=cpu}}\n' "1:1: {{table}} needs suite="
bad 'x\n{{table suite=nosuch}}\n' "2:9: unknown suite 'nosuch' (the db has: layer_ops, matmul)"
bad '{{table suite=layer_ops cols=ref,gpu}}\n' "1:25: unknown backend 'gpu'"
bad '{{value suite=layer_ops bench="softmax/rows=3" backend=cpu}}\n' "1:25: unknown benchmark 'softmax/rows=3' in suite 'layer_ops'"
bad '{{value suite=layer_ops bench="softmax/rows=64,cols=1024" backend=opencl clock=cpu}}\n' "1:74: clock must be wall or device"
bad '{{select machine=bench-c}}\n{{end}}\n' "1:10: unknown machine 'bench-c'"
bad '{{select run=deadbeef}}\n{{end}}\n' "1:10: no run 'deadbeef' in the db"
bad 'a\n{{select machine=bench-a}}\nb\n' "2:1: {{select}} is never closed"
bad 'a\n{{end}}\n' "2:1: {{end}} without an open block"
bad 'see {{chart bars suite=layer_ops}}\n' "1:5: {{chart}} must stand alone on its line"
bad '{{chart pie suite=layer_ops}}\n' "1:9: unknown kind 'pie' for {{chart}}"
bad '{{value suite=layer_ops\n' "1:1: unterminated directive {{value"
bad '{{value suite="layer_ops}}\n' "1:15: unterminated quoted value"
bad '{{claim faster a=cpu b=ref suite=layer_ops by=fast}}\n' "1:44: by must be a positive number"
echo ok
