-- 0007: the rounds a result's samples were taken in, where fewer than its
-- run's: a measurement cut short by its share of a run's budget keeps the
-- rounds it finished (mcbench run --budget) rather than discarding them.
-- Its samples then split into this many rounds as a run's split into
-- run.rounds (stats_boot.h). NULL: the run's rounds (every result before
-- this column, and every result not cut).
ALTER TABLE result ADD COLUMN rounds INTEGER CHECK (rounds >= 1);
