#!/bin/sh
# {{suspicious}} on the original project's own batch-embeddings table
# (tests/fixtures/report/seed-embeddings.sql, its figures as published):
# the "near constant time" metal-candle sweep, 3.9 -> 4.4 ms for 100x the
# sentences, is flagged, pair by pair from batch 1 up; the MLX column, whose
# time grows with the work, is not. {{table per=batch}} gives sentences a
# second.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" seed.sqlite "$F/seed-embeddings.sql" || die "cannot build the fixture db"
# A synthetic honest GPU sweep beside it: flat at the launch floor for the
# small batches, then growing with the work (6x the time at batch 100).
# Its small pairs are flat, but none ends at the sweep's biggest problem,
# so none is flagged; the same column cut short at batch 20 is.
sqlite3 seed.sqlite "INSERT INTO result (run_id, suite, benchmark, kernel, params, backend,
    variant, clock, status, flops, bytes, n_samples, median_ns, ci_lo_ns, ci_hi_ns)
  SELECT run_id, suite, benchmark, kernel, params, 'floor-gpu', '', 'wall', 'ok', flops, bytes,
         n_samples, 1e6 * CASE json_extract(params, '\$.batch') WHEN 1 THEN 1.0 WHEN 2 THEN 1.0
           WHEN 5 THEN 1.05 WHEN 10 THEN 1.1 WHEN 20 THEN 1.2 WHEN 50 THEN 2.0 ELSE 6.0 END,
         0, 0
  FROM result WHERE backend = 'mlx'" || die "cannot add the floor-gpu column"
printf '{{suspicious suite=embeddings}}\n' > seed.md.in
expect_ok mcreport --db seed.sqlite --template seed.md.in --no-charts
# The headline pair: 100x the batch, 1.13x the time.
expect_grep '^| embeddings | metal-candle | embed | batch (layers=12, seq=0, weights=0) | 1 → 100 | 100x | 1.13x |' "$T/out"
expect_grep '^| embeddings | metal-candle | embed | batch (layers=12, seq=0, weights=0) | 10 → 100 | 10x | 1.29x |' "$T/out"
grep -q '^| embeddings | floor-gpu |' "$T/out" && die "a sweep that leaves its launch floor is flagged"
sqlite3 seed.sqlite "DELETE FROM result WHERE backend = 'floor-gpu' AND json_extract(params, '\$.batch') > 20"
expect_ok mcreport --db seed.sqlite --template seed.md.in --no-charts
expect_grep '^| embeddings | floor-gpu | embed | batch (layers=12, seq=0, weights=0) | 1 → 20 | 20x | 1.20x |' "$T/out"
# MLX grows 7.7 -> 113.5 ms: never flagged.
grep -q '^| embeddings | mlx |' "$T/out" && die "the MLX sweep, which grows with the work, is flagged"
# per=batch: sentences a second from the same rows; 100 / 4.4 ms is
# 22727/s (the seed's own table printed 22,831 docs/sec beside it).
printf '{{table suite=embeddings cols=metal-candle,mlx per=batch spread=none}}\n' > per.md.in
expect_ok mcreport --db seed.sqlite --template per.md.in --no-charts
expect_grep '^| Benchmark | metal-candle | metal-candle batch/s | mlx | mlx batch/s |' "$T/out"
expect_grep '^| embed/batch=100,layers=12,seq=0,weights=0 | 4.40 ms | 22727/s | 114 ms | 881/s |' "$T/out"
expect_grep 'batch/s is the benchmark.s batch over its median time\.' "$T/out"
printf '{{table suite=embeddings per=batch metric=gflops}}\n' > bad.md.in
expect_fail 2 mcreport --db seed.sqlite --template bad.md.in --no-charts
expect_grep "^mcreport: bad.md.in:1:.*per= names a parameter and goes with times" "$T/err"
echo ok
