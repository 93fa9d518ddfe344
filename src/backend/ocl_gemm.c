/*
 * ocl_gemm.c - the general GEMM launch (kernels/opencl/sgemm.cl), shared by
 * sgemm's own variant, LoRA's unfused launches and the decoder's linear
 * layers (ocl_int.h).
 */
#include "ocl_int.h"

#include <limits.h>

#include "err.h"

/* mc_gemv's groups: from the columns, lanes float4 columns a group (the
 * widest of 16, 8, 4 that still gives every compute unit a group; a
 * narrower group reads each row of B in shorter pieces). Where even 4
 * leaves compute units without a group (896 columns: 56 groups on a GPU
 * of 132) and a group's share of B is long (past OCL_GEMV_SPLIT_BYTES),
 * a group of 256 keeps too few of B's loads in flight for its length,
 * and k is split as well, into spans of at least OCL_GEMV_MIN_SPLIT rows,
 * for OCL_GEMV_GROUPS_PER_CU groups per compute unit (the widest lanes
 * that get there, down to 1). Otherwise mc_gemv_reduce's launch costs
 * more than the split gives: on the H200 (runs da1ca3fb, 14ca7c2f and
 * 07f1fca6, db/pending) the split won for 1 x 896 x 4864 and lost for
 * 1 x 4864 x 896 (columns enough) and 1 x 128 x 896 (57 KB a group). */
#define OCL_GEMV_GROUPS_PER_CU 4
#define OCL_GEMV_MIN_SPLIT 128
#define OCL_GEMV_SPLIT_BYTES (128 * 1024)

struct gemv_grid {
	size_t lanes, col_groups, splits, kc;
};

static size_t col_groups(size_t n, size_t lanes)
{
	return (n + 4 * lanes - 1) / (4 * lanes);
}

static struct gemv_grid gemv_grid(const struct ocl_dev *d, size_t n, size_t k)
{
	size_t cu = d->compute_units ? d->compute_units : 1;
	size_t want = OCL_GEMV_GROUPS_PER_CU * cu;
	size_t most = k / OCL_GEMV_MIN_SPLIT ? k / OCL_GEMV_MIN_SPLIT : 1;
	struct gemv_grid g = { 16, 0, 1, k };

	while (g.lanes > 4 && col_groups(n, g.lanes) < cu)
		g.lanes /= 2;
	g.col_groups = col_groups(n, g.lanes);
	if (g.col_groups >= cu || most == 1 ||
	    k * 4 * g.lanes * sizeof(float) <= OCL_GEMV_SPLIT_BYTES)
		return g;
	g.lanes = 16;
	while (g.lanes > 1 && col_groups(n, g.lanes) * most < want)
		g.lanes /= 2;
	g.col_groups = col_groups(n, g.lanes);
	g.splits = (want + g.col_groups - 1) / g.col_groups;
	if (g.splits > most)
		g.splits = most;
	g.kc = (k + g.splits - 1) / g.splits;
	g.splits = (k + g.kc - 1) / g.kc;   /* none empty */
	return g;
}

/* s->split_part of at least bytes (a larger one replaces it; the old one
 * stays in tmp[] for the launches that use it). */
static int reserve_split_part(struct ocl_dev *d, struct ocl_state *s,
			      size_t bytes, char *err, size_t n_err)
{
	int ret;

	if (s->split_part && s->split_part_bytes >= bytes)
		return 0;
	if ((ret = ocl_tmp_buffer(d, NULL, s, bytes, &s->split_part, err,
				  n_err)) < 0)
		return ret;
	s->split_part_bytes = bytes;
	return 0;
}

/* Appends a launch of name, a kernel of work-groups of 256. */
static int add_256(struct ocl_dev *d, struct ocl_state *s, const char *name,
		   struct ocl_launch **out_l, char *err, size_t n_err)
{
	int ret;

	if ((ret = ocl_state_add_launch(d, s, name, out_l, err, n_err)) < 0)
		return ret;
	if (ocl_kernel_wg(d, (*out_l)->kernel) < 256)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel %s "
			       "needs work-groups of 256 on device '%s', "
			       "which allows only %zu.", name, d->dev_name,
			       ocl_kernel_wg(d, (*out_l)->kernel));
	return 0;
}

/* mc_gemv_reduce after a GEMM of splits spans of k, their sums in part:
 * C through g's epilogue. */
static int add_reduce(struct ocl_dev *d, struct ocl_state *s,
		      const struct ocl_gemm *g, size_t splits, cl_mem part,
		      char *err, size_t n_err)
{
	cl_int im = (cl_int)g->m, in = (cl_int)g->n, isp = (cl_int)splits;
	cl_int ibi = (cl_int)g->biaso, mode = g->mode;

	return ocl_add_launch_1d(d, s, "mc_gemv_reduce", g->m * ((g->n + 3) / 4),
				 (const struct ocl_arg[]){
					{ sizeof(cl_int), &im }, { sizeof(cl_int), &in },
					{ sizeof(cl_int), &isp }, { sizeof(cl_mem), &part },
					{ sizeof(cl_mem), &g->bias }, { sizeof(cl_int), &ibi },
					{ sizeof(cl_mem), &g->r }, { sizeof(cl_int), &mode },
					{ sizeof(cl_mem), &g->c } }, 9, err, n_err);
}

/* The tiled GEMM's k split: where its tiles of 64 leave compute units
 * idle, spans of k (multiples of 16, MC_GK, and at least
 * OCL_TILE_MIN_SPLIT long) for about two groups per compute unit. */
#define OCL_TILE_MIN_SPLIT 128

static size_t tile_kc(const struct ocl_dev *d, size_t groups, size_t k)
{
	size_t cu = d->compute_units ? d->compute_units : 1, splits, kc;

	if (groups >= cu || k < 2 * OCL_TILE_MIN_SPLIT)
		return k;
	splits = (2 * cu + groups - 1) / groups;
	if (splits > k / OCL_TILE_MIN_SPLIT)
		splits = k / OCL_TILE_MIN_SPLIT;
	kc = (k + splits - 1) / splits;
	return (kc + 15) / 16 * 16;
}

/* The tiled GEMM: one launch, C through the epilogue, or with k split,
 * the sums into s->split_part and mc_gemv_reduce after it. */
static int add_tiled(struct ocl_dev *d, struct ocl_state *s,
		     const struct ocl_gemm *g, char *err, size_t n_err)
{
	size_t groups = ((g->m + 127) / 128) * ((g->n + 127) / 128);
	size_t tile = groups >= 2 * (size_t)d->compute_units ? 128 : 64;
	size_t kc = tile_kc(d, ((g->m + 63) / 64) * ((g->n + 63) / 64), g->k);
	size_t splits = (g->k + kc - 1) / kc, np = (g->n + 3) / 4 * 4;
	const char *name = tile == 128 ? "mc_sgemm_128" : "mc_sgemm_64";
	cl_int im = (cl_int)g->m, in = (cl_int)g->n, ik = (cl_int)g->k;
	cl_int ikc = (cl_int)kc;
	cl_int ibo = (cl_int)g->bo, ibi = (cl_int)g->biaso, mode = g->mode;
	cl_mem part = NULL;
	struct ocl_launch *l;
	int ret;

	if (splits > 1) {
		if ((ret = reserve_split_part(d, s, splits * g->m * np *
					      sizeof(float), err, n_err)) < 0)
			return ret;
		part = s->split_part;
	}
	if ((ret = add_256(d, s, name, &l, err, n_err)) < 0)
		return ret;
	l->dim = splits > 1 ? 3 : 2;
	l->global[0] = (g->n + tile - 1) / tile * 16;
	l->global[1] = (g->m + tile - 1) / tile * 16;
	l->global[2] = splits;
	l->local[0] = l->local[1] = 16;
	l->local[2] = 1;
	if ((ret = ocl_set_args(d, l->kernel, name, (const struct ocl_arg[]){
			{ sizeof(cl_int), &im }, { sizeof(cl_int), &in },
			{ sizeof(cl_int), &ik }, { sizeof(cl_int), &ikc },
			{ sizeof(cl_mem), &g->a }, { sizeof(cl_mem), &g->b },
			{ sizeof(cl_int), &ibo }, { sizeof(cl_mem), &g->bias },
			{ sizeof(cl_int), &ibi }, { sizeof(cl_mem), &g->r },
			{ sizeof(cl_int), &mode }, { sizeof(cl_mem), &g->c },
			{ sizeof(cl_mem), &part } }, 13, err, n_err)) < 0 ||
	    splits == 1)
		return ret;
	return add_reduce(d, s, g, splits, part, err, n_err);
}

/* mc_gemv, and with splits of k mc_gemv_reduce after it. */
static int add_gemv(struct ocl_dev *d, struct ocl_state *s,
		    const struct ocl_gemm *g, char *err, size_t n_err)
{
	const struct gemv_grid gg = gemv_grid(d, g->n, g->k);
	cl_int im = (cl_int)g->m, in = (cl_int)g->n, ik = (cl_int)g->k;
	cl_int il = (cl_int)gg.lanes, ikc = (cl_int)gg.kc;
	cl_int ibo = (cl_int)g->bo, ibi = (cl_int)g->biaso, mode = g->mode;
	cl_int ibo2 = (cl_int)g->bo2, ingo = (cl_int)g->norm_go;
	cl_float eps = g->eps;
	size_t np = (g->n + 3) / 4 * 4, prods = g->mode == OCL_EPI_GLU2 ? 2 : 1;
	cl_mem part = NULL;
	struct ocl_launch *l;
	int ret;

	if (gg.splits > 1 &&
	    (ret = reserve_split_part(d, s, gg.splits * prods * g->m * np *
				      sizeof(float), err, n_err)) < 0)
		return ret;
	if (gg.splits > 1)
		part = s->split_part;
	if ((ret = add_256(d, s, "mc_gemv", &l, err, n_err)) < 0)
		return ret;
	l->dim = 2;
	l->local[0] = 256;
	l->local[1] = 1;
	l->global[0] = gg.col_groups * 256;
	l->global[1] = gg.splits;
	if ((ret = ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_int), &im }, { sizeof(cl_int), &in },
			{ sizeof(cl_int), &ik }, { sizeof(cl_int), &il },
			{ sizeof(cl_int), &ikc }, { sizeof(cl_mem), &g->a },
			{ sizeof(cl_mem), &g->b }, { sizeof(cl_int), &ibo },
			{ sizeof(cl_int), &ibo2 }, { sizeof(cl_mem), &g->norm_g },
			{ sizeof(cl_int), &ingo }, { sizeof(cl_float), &eps },
			{ sizeof(cl_mem), &g->bias }, { sizeof(cl_int), &ibi },
			{ sizeof(cl_mem), &g->r }, { sizeof(cl_int), &mode },
			{ sizeof(cl_mem), &g->c }, { sizeof(cl_mem), &part } },
				18, err, n_err)) < 0 || gg.splits == 1)
		return ret;
	return add_reduce(d, s, g, gg.splits, part, err, n_err);
}

int ocl_add_gemm(struct ocl_dev *d, struct ocl_state *s,
		 const struct ocl_gemm *g, char *err, size_t n_err)
{
	if (g->m > OCL_GEMV_ROWS && (g->norm_g || g->mode == OCL_EPI_GLU2))
		return err_set(err, n_err, MC_EINVAL, "opencl: a GEMM of %zu "
			       "rows cannot take a norm or a second B (%d rows "
			       "at most).", g->m, OCL_GEMV_ROWS);
	if (g->m > INT_MAX || g->n > INT_MAX || g->k > INT_MAX ||
	    g->bo > INT_MAX || g->bo2 > INT_MAX || g->biaso > INT_MAX ||
	    g->norm_go > INT_MAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: a GEMM of %zu x "
			       "%zu x %zu is beyond the kernels' int indexing.",
			       g->m, g->n, g->k);
	return g->m <= OCL_GEMV_ROWS ? add_gemv(d, s, g, err, n_err) :
				       add_tiled(d, s, g, err, n_err);
}
