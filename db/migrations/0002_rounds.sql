-- 0002: interleaved rounds.
-- A run takes each result's samples in `rounds` passes over all its
-- benchmarks, re-preparing and re-validating each time, so that one
-- result's samples span the whole run (and its drift) instead of a few
-- milliseconds of it. Round k of R holds the samples with
-- floor(k*n/R) <= idx < floor((k+1)*n/R), where n is the result's sample
-- count and R = min(rounds, n). Runs recorded before this column took
-- every sample in one pass: 1.
ALTER TABLE run ADD COLUMN rounds INTEGER NOT NULL DEFAULT 1 CHECK (rounds >= 1);
