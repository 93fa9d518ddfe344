-- 0005: issue 14's memory columns:
-- the memory a result's measurement used. NULL where unknown (results
-- recorded before this column, a platform without /proc).
--   peak_rss_bytes: the high-water mark of resident memory (VmHWM) of the
--     process that did the work (mcbench for ref, cpu and OpenCL; the
--     peer's own process for a peer), reset just before each round's
--     prepare (/proc/self/clear_refs "5") and read after its samples; the
--     largest over the rounds.
--   base_rss_bytes: that process's resident memory at the reset, in the
--     same round: what it held before the workload was prepared (for
--     mcbench, the inputs and reference outputs of every benchmark the run
--     still holds; for a peer, the interpreter and the framework), so that
--     peak - base is what preparing and running this workload added.
--   device_bytes: device memory the workload used where the backend
--     knows it: an OpenCL instance's buffers, a CUDA peer's peak of
--     allocated memory (torch.cuda.max_memory_allocated, mx.get_peak_memory).
ALTER TABLE result ADD COLUMN peak_rss_bytes INTEGER CHECK (peak_rss_bytes > 0);
ALTER TABLE result ADD COLUMN base_rss_bytes INTEGER CHECK (base_rss_bytes > 0);
ALTER TABLE result ADD COLUMN device_bytes INTEGER CHECK (device_bytes >= 0);
