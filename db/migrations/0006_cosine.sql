-- 0006: issue 15's per-row check: the smallest cosine similarity between a
-- row of the output and the same row of the reference, over every check of
-- every round, for kernels whose output rows are directions (sentence
-- embeddings: kernel_spec.min_cos > 0, the threshold a row must reach).
-- NULL where the kernel is not checked that way, and for results recorded
-- before this column.
ALTER TABLE result ADD COLUMN min_cosine REAL CHECK (min_cosine BETWEEN -1.0001 AND 1.0001);
