#!/bin/sh
# scripts/aa-harness.sh, as a smoke only: one A/A pair of a tiny suite on
# ref, asserting the shape of the summary (never its figures: timing), that
# the injected copies stay out of the A/A db, that --reuse compares the
# same runs again without measuring, and its usage errors.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"
H=$TOP/scripts/aa-harness.sh

# --rotate 1: every matching measurement slowed in one copy, so that the
# copy left in inj.sqlite is the last one made
expect_ok sh "$H" -k 1 --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref \
    --bench 'softmax/*' --dir "$T/aa" --bin "$BIN" --rotate 1
[ "$(wc -l < "$T/out")" = 8 ] || { cat "$T/out"; die "expected 8 summary lines"; }
expect_grep '^aa-harness: 1 pair(s) of .*tiny.json on ref; files in ' "$T/out"
expect_grep '^compare A/A: [0-9]* of 4 result(s) flagged ([0-9.]*%): [0-9]* slower, [0-9]* faster; [0-9]* inconclusive$' "$T/out"
expect_grep '^regressions A/A: [0-9]* level shift(s) called slower or faster in [0-9]* series (each a false alarm): [0-9]* slower, [0-9]* faster; [0-9]* more inconclusive$' "$T/out"
# tiny has two softmax benchmarks: the scaled ones, per factor
expect_grep '^injected x1.10: [0-9]* of 2 scaled result(s) detected as slower ([0-9.]*%); ' "$T/out"
expect_grep '^injected x1.30: [0-9]* of 2 scaled result(s) detected as slower ([0-9.]*%); ' "$T/out"
expect_grep '; [0-2] of 2 result(s) detected in at least 1 of 1 pairs$' "$T/out"
# one K=1 pair has no other runs as history: both scaled results counted there
expect_grep '^injected x1.30, by the result.s run-to-run sd (robust, of consecutive changes): 0 of 0 at 0-2%; 0 of 0 at 2-4%; 0 of 0 at 4-8%; 0 of 0 at >= 8%; [0-2] of 2 without a history$' "$T/out"
# the sgemms, never scaled, beside them in the same copies
expect_grep '^beside the scaled: [0-9]* of [0-9]* unscaled result(s) flagged ([0-9.]*%): ' "$T/out"
# A/A db: the two real runs only; the injection db, made afresh for each
# injection: those and the last copy alone
[ "$(mcreport export --db "$T/aa/aa.sqlite" | grep -c '"uuid"')" = 2 ] || die "A/A db is not the two runs"
mcreport export --db "$T/aa/inj.sqlite" > inj.json
[ "$(grep -c '"uuid"' inj.json)" = 3 ] || die "injection db is not 2 runs + 1 copy"
[ "$(grep -c 'synthetic (mcbench inject)' inj.json)" = 1 ] || die "the copy is not labelled synthetic"
grep -q 'multiplied by 1\.3' inj.json || die "the copy left is not the x1.30 one"

# --reuse measures nothing: the same two runs, compared again, now with
# the default rotation (a tenth of the measurements slowed a copy): each
# softmax once, the sgemms never
expect_ok sh "$H" --reuse --dir "$T/aa" --bin "$BIN" --bench 'softmax/*'
expect_grep '^compare A/A: [0-9]* of 4 result(s) flagged' "$T/out"
expect_grep '^injected x1.30: [0-9]* of 2 scaled result(s) detected as slower' "$T/out"
expect_grep '^beside the scaled: [0-9]* of 12 unscaled result(s) flagged' "$T/out"
[ "$(cat "$T"/aa/inj-1.30-1-*.scaled | wc -l)" = 2 ] || die "each softmax not scaled once"
[ "$(mcreport export --db "$T/aa/aa.sqlite" | grep -c '"uuid"')" = 2 ] || die "--reuse added a run"
expect_fail 2 sh "$H" --reuse --dir "$T/none"
expect_grep "^aa-harness: --reuse needs --dir with the aa.sqlite and pairs" "$T/err"

expect_fail 2 sh "$H" -k 0
expect_grep "^aa-harness: -k must be a positive integer, not '0'" "$T/err"
expect_fail 2 sh "$H" --bogus
expect_grep "^aa-harness: unknown argument '--bogus'" "$T/err"
expect_ok sh "$H" --help
expect_grep 'usage: scripts/aa-harness.sh' "$T/out"
