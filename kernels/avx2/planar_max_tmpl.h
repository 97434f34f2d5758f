/*
 * Max pooling, channels-first, forward and backward: the template compiled
 * once per ISA by kernels/<isa>/maxpool_nchw.c (after that ISA's planar.h).
 * See planar_common.h for the plan of the kernels.
 */
#ifndef SIMDPOOL_PLANAR_MAX_TMPL_H
#define SIMDPOOL_PLANAR_MAX_TMPL_H

#include "planar_common.h"

/* ---- max, exact path ------------------------------------------------------ */

/* Outputs [ow0, ow0 + n) of one row by SEMANTICS.md's rule, literally: a tap
 * takes the place if it is the lane's first valid one, strictly greater, or
 * NaN. Any window shape, any padding; used for borders and NaN fix-ups. */
static void pl_max_chunk_exact(const sp_problem *p, const float *plane, const pl_rows *r,
                               int64_t ow0, int n, float *o, int64_t *oi)
{
    const sp_axis *aw = &p->axis[SP_W];
    const pl_vm act = pl_first(n);
    const pl_vi start = pl_iadd(pl_iset1((int32_t)(ow0 * aw->stride - aw->pad_begin)),
                                pl_imul(pl_ilanes(), pl_iset1((int32_t)aw->stride)));
    const pl_vi zero = pl_iset1(0), width = pl_iset1((int32_t)aw->in);
    int64_t jlo, jhi;
    pl_tap_union(aw, ow0, n, &jlo, &jhi);
    pl_vf best = pl_set1(-INFINITY);
    pl_vi at = pl_iset1(-1);
    pl_vm has = pl_mnone();
    PL_FOR_ROWS(r, off, {
        for (int64_t jw = jlo; jw < jhi; jw++) {
            pl_vi pos = pl_iadd(start, pl_iset1((int32_t)(jw * aw->dilation)));
            pl_vm valid = pl_mand(act, pl_mand(pl_ige(pos, zero), pl_ilt(pos, width)));
            pl_vf v = pl_gather_m(pl_set1(-INFINITY), valid, plane + off, pos);
            pl_vm take = pl_mor(pl_mand(valid, pl_mor(pl_gt(v, best), pl_unord(v, v))),
                                pl_mandnot(has, valid));
            best = pl_blend(take, best, v);
            at = pl_iblend(take, at, pl_iadd(pos, pl_iset1((int32_t)off)));
            has = pl_mor(has, valid);
        }
    });
    if (n == PL_VL)
        pl_storeu(o, best);
    else
        pl_storeu_m(o, best, act);
    if (oi) pl_store_i64(oi, at, n);
}

/* ---- max, fast path ------------------------------------------------------- */

/* One tap's update: values by plain max (the new tap first: maxps returns
 * the second operand on ties, so the earlier tap stays, as the rule wants,
 * -0.0 and +0.0 included); the index by a strict compare; NaN is not
 * handled here but flagged (an unordered compare beside the max) for the
 * exact path to redo. */
#define PL_MAX_UPDATE(v, tapat)                                            \
    do {                                                                   \
        pl_vf v_ = (v);                                                    \
        nan = pl_mor(nan, pl_unord(v_, best));                             \
        if (want_idx) at = pl_iblend(pl_gt(v_, best), at, (tapat));        \
        best = pl_max(v_, best);                                           \
    } while (0)

/* Interior outputs [ow0, ow0 + n) of one row (every W tap inside the row).
 * S, KW, DW are constants in the specialized instances. Returns nonzero if
 * a NaN was seen (the caller redoes the chunk exactly). */
PL_INLINE int pl_max_chunk_fast(const float *plane, const pl_rows *r, int64_t s0, int n,
                                float *o, int64_t *oi, const int64_t S, const int64_t KW,
                                const int64_t DW, const int want_idx)
{
    const pl_vm act = pl_first(n);
    const pl_vi step = pl_imul(pl_ilanes(), pl_iset1((int32_t)S));
    pl_vm nan = pl_mnone();
    pl_vf best = pl_zero();
    pl_vi at = pl_iset1(0);
    int first = 1;
    PL_FOR_ROWS(r, off, {
        const float *t = plane + off + s0;
        const pl_vi rowat = pl_iadd(step, pl_iset1((int32_t)(off + s0)));
        int64_t jw = 0;
        if (first) {
            /* the window's first tap starts the scan */
            if (S == 2 && DW == 1 && KW >= 2) {
                pl_vf e, d;
                pl_tap_pair(t, n, &e, &d);
                best = e;
                at = rowat;
                nan = pl_unord(e, e);
                PL_MAX_UPDATE(d, pl_iadd(rowat, pl_iset1(1)));
                jw = 2;
            } else {
                best = pl_tap(t, n, S, step, act);
                at = rowat;
                nan = pl_unord(best, best);
                jw = 1;
            }
            first = 0;
        }
        if (S == 2 && DW == 1) {
            for (; jw + 1 < KW; jw += 2) {
                pl_vf e, d;
                pl_tap_pair(t + jw, n, &e, &d);
                PL_MAX_UPDATE(e, pl_iadd(rowat, pl_iset1((int32_t)jw)));
                PL_MAX_UPDATE(d, pl_iadd(rowat, pl_iset1((int32_t)jw + 1)));
            }
        }
        for (; jw < KW; jw++)
            PL_MAX_UPDATE(pl_tap(t + jw * DW, n, S, step, act),
                          pl_iadd(rowat, pl_iset1((int32_t)(jw * DW))));
    });
    if (n == PL_VL)
        pl_storeu(o, best);
    else
        pl_storeu_m(o, best, act);
    if (want_idx) pl_store_i64(oi, at, n);
    return (pl_mbits(pl_mand(nan, act)) != 0);
}

/* The interior of one row, [ib, ie) into o[0 ..], oi[0 ..], for one shape: S/KW/DW constants when
 * the caller passes literals (the function is inlined into each case). */
PL_INLINE void pl_max_interior(const sp_problem *p, const float *plane, const pl_rows *r,
                               int64_t ib, int64_t ie, float *o, int64_t *oi,
                               const int64_t S, const int64_t KW, const int64_t DW)
{
    const sp_axis *aw = &p->axis[SP_W];
    for (int64_t ow = ib; ow < ie; ow += PL_VL) {
        int n = ie - ow < PL_VL ? (int)(ie - ow) : PL_VL;
        int64_t s0 = ow * S - aw->pad_begin;
        float *oo = o + (ow - ib);
        int64_t *ooi = oi ? oi + (ow - ib) : NULL;
        int nan = ooi ? pl_max_chunk_fast(plane, r, s0, n, oo, ooi, S, KW, DW, 1)
                      : pl_max_chunk_fast(plane, r, s0, n, oo, NULL, S, KW, DW, 0);
        if (__builtin_expect(nan, 0)) pl_max_chunk_exact(p, plane, r, ow, n, oo, ooi);
    }
}

/* Outputs [ob, oe) of one row into o[0 ..], oi[0 ..]. */
static void pl_max_row(const sp_problem *p, const float *plane, const pl_rows *r, int64_t ob,
                       int64_t oe, float *o, int64_t *oi)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (r->count == 0) {
        /* no valid row: every window is empty */
        for (int64_t ow = ob; ow < oe; ow++) {
            o[ow - ob] = -INFINITY;
            if (oi) oi[ow - ob] = -1;
        }
        return;
    }
    int64_t ib = aw->interior_begin, ie = aw->interior_end;
    if (ib < ob) ib = ob;
    if (ie > oe) ie = oe;
    if (ie < ib) ie = ib;
    if (ib > oe) ib = ie = oe;
    for (int64_t ow = ob; ow < ib; ow += PL_VL) {
        int n = ib - ow < PL_VL ? (int)(ib - ow) : PL_VL;
        pl_max_chunk_exact(p, plane, r, ow, n, o + (ow - ob), oi ? oi + (ow - ob) : NULL);
    }
    if (ie > ib) {
        const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
        float *oo = o + (ib - ob);
        int64_t *ooi = oi ? oi + (ib - ob) : NULL;
        /* pl_max_interior indexes by ow: shift the range to start at 0 */
        if (S == 2 && D == 1 && K == 3)
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, 2, 3, 1);
        else if (S == 2 && D == 1 && K == 2)
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, 2, 2, 1);
        else if (S == 1 && D == 1 && K == 3)
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, 1, 3, 1);
        else if (S == 1 && D == 1 && K == 2)
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, 1, 2, 1);
        else if (S == 1)
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, 1, K, D);
        else if (S == 2 && D == 1)
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, 2, K, 1);
        else
            pl_max_interior(p, plane, r, ib, ie, oo, ooi, S, K, D);
    }
    for (int64_t ow = ie; ow < oe; ow += PL_VL) {
        int n = oe - ow < PL_VL ? (int)(oe - ow) : PL_VL;
        pl_max_chunk_exact(p, plane, r, ow, n, o + (ow - ob), oi ? oi + (ow - ob) : NULL);
    }
}

simdpool_status PL_NAME(sp_f32_maxpool_fwd_nchw)(const sp_problem *p, const float *src, float *dst,
                                           int64_t *indices, int64_t begin, int64_t end)
{
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = p->axis[SP_W].out;
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * p->in_plane;
        for (int64_t od = 0; od < odn; od++)
            for (int64_t oh = 0; oh < ohn; oh++) {
                pl_rows r = pl_rows_of(p, od, oh);
                int64_t o = item * p->out_plane + (od * ohn + oh) * own;
                pl_max_row(p, plane, &r, 0, own, dst + o, indices ? indices + o : NULL);
            }
    }
    return SIMDPOOL_OK;
}

/* Is x (an index from the caller) a valid tap of output (r, ow)? -1 is valid
 * only for a window without valid taps. */
static inline int pl_index_ok(const sp_axis *aw, const pl_rows *r, int64_t ow, int64_t x)
{
    int64_t f, e;
    sp_axis_valid_taps(aw, ow, &f, &e);
    if (x == -1) return r->count == 0 || f == e;
    if (r->count == 0 || f == e) return 0;
    const int64_t start = sp_window_start(aw, ow);
    const int64_t lo = start + f * aw->dilation, hi = start + (e - 1) * aw->dilation + 1;
    PL_FOR_ROWS(r, off, {
        int64_t iw = x - off;
        if (iw >= lo && iw < hi) return aw->dilation == 1 || (iw - start) % aw->dilation == 0;
    });
    return 0;
}

/* Max backward: the plane is zeroed, then every output adds its gradient at
 * its index (from `indices`, or recomputed by the forward kernel's row code
 * into a stack block), each index checked against its window first. */
simdpool_status PL_NAME(sp_f32_maxpool_bwd_nchw)(const sp_problem *p, const float *diff_dst,
                                           const int64_t *indices, const float *src,
                                           float *diff_src, int64_t begin, int64_t end)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = aw->out;
    float vals[PL_BLOCK];
    int64_t found[PL_BLOCK];
    for (int64_t item = begin; item < end; item++) {
        float *ds = diff_src + item * p->in_plane;
        pl_zero_floats(ds, p->in_plane);
        for (int64_t od = 0; od < odn; od++)
            for (int64_t oh = 0; oh < ohn; oh++) {
                pl_rows r = pl_rows_of(p, od, oh);
                const int64_t o = item * p->out_plane + (od * ohn + oh) * own;
                const float *dd = diff_dst + o;
                for (int64_t ob = 0; ob < own; ob += PL_BLOCK) {
                    int64_t oe = own - ob < PL_BLOCK ? own : ob + PL_BLOCK;
                    const int64_t *x;
                    if (indices) {
                        x = indices + o + ob;
                    } else {
                        pl_max_row(p, src + item * p->in_plane, &r, ob, oe, vals, found);
                        x = found;
                    }
                    for (int64_t ow = ob; ow < oe; ow++) {
                        int64_t at = x[ow - ob];
                        if (at < -1 || at >= p->in_plane) return SIMDPOOL_ERR_BAD_INDEX;
                        if (!pl_index_ok(aw, &r, ow, at)) return SIMDPOOL_ERR_BAD_INDEX;
                        if (at >= 0) ds[at] += dd[ow];
                    }
                }
            }
    }
    return SIMDPOOL_OK;
}

#endif
