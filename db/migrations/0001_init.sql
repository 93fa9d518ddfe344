-- 0001: the first schema of the mcbench store.
-- One row per machine (by fingerprint), per run, per backend instance used in a
-- run, per result (benchmark x backend x clock), and per raw sample.
CREATE TABLE machine (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,   -- stable hash of hostname, CPU model, cores, memory
    hostname    TEXT NOT NULL,
    cpu_model   TEXT NOT NULL,
    cores       INTEGER NOT NULL,
    threads     INTEGER NOT NULL,
    mem_bytes   INTEGER NOT NULL,
    os          TEXT NOT NULL,
    kernel      TEXT NOT NULL
);

CREATE TABLE run (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    machine_id          INTEGER NOT NULL REFERENCES machine(id),
    started_at          TEXT NOT NULL,           -- UTC ISO 8601
    ended_at            TEXT,                    -- NULL while running
    status              TEXT NOT NULL DEFAULT 'running'
                        CHECK (status IN ('running', 'complete', 'aborted', 'failed')),
    pid                 INTEGER,                 -- of the writer, to find runs killed mid-way
    argv                TEXT NOT NULL,
    git_commit          TEXT,
    git_dirty           INTEGER,
    compiler            TEXT NOT NULL,
    cflags              TEXT NOT NULL,
    timer_name          TEXT NOT NULL,
    timer_resolution_ns REAL NOT NULL,
    timer_overhead_ns   REAL NOT NULL,
    quick               INTEGER NOT NULL DEFAULT 0,
    provenance          TEXT NOT NULL,           -- JSON: software, env, CPU, caches, notes
    notes               TEXT                     -- e.g. a peer that was skipped, and why
);

-- A backend instance as used in one run: "ref", "cpu", "opencl:<device>", "mlx", "torch".
CREATE TABLE device (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    backend       TEXT NOT NULL,
    kind          TEXT NOT NULL,     -- cpu, gpu, accelerator, peer
    name          TEXT NOT NULL,
    vendor        TEXT,
    version       TEXT,
    driver        TEXT,
    compute_units INTEGER,
    global_mem    INTEGER,
    local_mem     INTEGER,
    peak_gflops   REAL,              -- measured FP32 FMA peak (roofline probe)
    peak_gbps     REAL,              -- measured triad bandwidth (roofline probe)
    info          TEXT,              -- JSON: everything else known about it
    UNIQUE (run_id, backend)
);

CREATE TABLE result (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    suite            TEXT NOT NULL,
    benchmark        TEXT NOT NULL,  -- kernel/param=value,... unique within the suite
    kernel           TEXT NOT NULL,
    params           TEXT NOT NULL,  -- JSON object, keys sorted
    backend          TEXT NOT NULL,
    variant          TEXT NOT NULL DEFAULT '',  -- e.g. fused / unfused, clblast / own
    clock            TEXT NOT NULL CHECK (clock IN ('wall', 'device')),
    status           TEXT NOT NULL
                     CHECK (status IN ('ok', 'invalid', 'implausible', 'failed', 'skipped')),
    message          TEXT,
    flops            REAL NOT NULL,  -- per iteration
    bytes            REAL NOT NULL,  -- per iteration, compulsory traffic
    iters_per_sample INTEGER,
    n_samples        INTEGER NOT NULL DEFAULT 0,
    min_ns REAL, median_ns REAL, mean_ns REAL, stddev_ns REAL, mad_ns REAL,
    ci_lo_ns REAL, ci_hi_ns REAL, q1_ns REAL, q3_ns REAL,
    n_mild INTEGER, n_severe INTEGER,
    max_abs_err      REAL,
    max_rel_err      REAL,
    UNIQUE (run_id, suite, benchmark, backend, variant, clock)
);

-- Raw samples: time per iteration in ns, in the order taken.
CREATE TABLE sample (
    result_id INTEGER NOT NULL REFERENCES result(id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    ns        REAL NOT NULL,
    PRIMARY KEY (result_id, idx)
) WITHOUT ROWID;

CREATE INDEX run_by_machine_time ON run (machine_id, started_at);
CREATE INDEX run_by_status ON run (status, started_at);
CREATE INDEX result_by_bench ON result (suite, benchmark, backend, clock);
CREATE INDEX result_by_backend ON result (backend, run_id);
