-- 0004: results imported from other tools (mcbench import --format ...).
-- One row per imported run: the file it came from, by content, and the
-- format and version the file states, so that the same file imported twice
-- is recognised and a stored figure can be traced to the bytes it came from.
CREATE TABLE import (
    run_id         INTEGER PRIMARY KEY REFERENCES run(id) ON DELETE CASCADE,
    format         TEXT NOT NULL,  -- gbench, criterion, hyperfine, pytest-benchmark, nvbench
    format_version TEXT,           -- as the file states it (tool or schema version); NULL: none stated
    sha256         TEXT NOT NULL,  -- of the original file (of every file, in order, for a tree)
    source         TEXT NOT NULL   -- the file's name as given, for the reader
);
CREATE INDEX import_by_sha ON import (sha256);

-- One row per imported result: what the tool reported beyond the result
-- table's columns. A result without raw samples (aggregate_only) keeps the
-- tool's statistics in the result row (median, mean, stddev, min: what the
-- tool gave, the rest NULL) and n_samples 0: compare cannot test it.
CREATE TABLE result_import (
    result_id      INTEGER PRIMARY KEY REFERENCES result(id) ON DELETE CASCADE,
    aggregate_only INTEGER NOT NULL CHECK (aggregate_only IN (0, 1)),
    n_reported     INTEGER,        -- samples, rounds or repetitions the tool says it took
    max_ns         REAL,           -- the tool's maximum, when it gave one
    fields         TEXT            -- JSON: the tool's own fields without a column (cpu time, counters, ...)
);
