-- 0003: the machine's own noise, per sample.
-- Over each sample's call the runner reads the CPU steal time of the whole
-- machine (/proc/stat: time the hypervisor gave this guest's CPUs to other
-- guests), the context switches of the process that ran the iterations
-- (getrusage; a peer adapter reports its own) and, on a GPU whose framework
-- exposes it, the SM clock. A separate table, so that a sample without any
-- of these (every sample before this migration, an import of an older
-- export) simply has no row here, and the sample table keeps its shape.
CREATE TABLE sample_noise (
    result_id     INTEGER NOT NULL REFERENCES result(id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,     -- the sample's idx
    steal_ns      REAL,                 -- summed over all CPUs, over the call; NULL unknown
    steal_flagged INTEGER CHECK (steal_flagged IN (0, 1)),  -- heavy steal (noise.h)
    nvcsw         INTEGER,              -- voluntary context switches over the call
    nivcsw        INTEGER,              -- involuntary ones
    sm_clock_mhz  REAL,                 -- GPU SM clock around the call; NULL unknown
    PRIMARY KEY (result_id, idx)
) WITHOUT ROWID;

-- How many of the result's samples were flagged for heavy steal; NULL when
-- the steal of its samples is unknown (results recorded before this).
ALTER TABLE result ADD COLUMN n_steal_flagged INTEGER;
