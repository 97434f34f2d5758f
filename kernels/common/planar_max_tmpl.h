/*
 * Max pooling, channels-first, forward and backward: the template compiled
 * once per ISA by kernels/<isa>/maxpool_nchw.c (after that ISA's planar.h).
 * See planar_common.h for the plan of the kernels.
 */
#ifndef SIMDPOOL_PLANAR_MAX_TMPL_H
#define SIMDPOOL_PLANAR_MAX_TMPL_H

#include "nhwc_window.h"
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
        pl_storeu_out(o, best);
    else
        pl_storeu_m(o, best, act);
    if (oi) pl_store_i64(oi, at, n);
}

/* ---- max, fast path ------------------------------------------------------- */

/* The horizontal pass over one row: the max of a chunk's W taps, in W
 * order, for outputs [ow0, ow0 + n) whose lane 0 taps start at t[0]; and
 * (want_idx) the column of the first tap reaching it, from `col` (lane l's
 * first tap). Values by plain max (the new tap first: maxps returns the
 * second operand on ties, so the earlier tap stays, as the rule wants, -0.0
 * and +0.0 included); the column by a strict compare. NaN is not handled
 * here but flagged (an unordered compare beside the max, on whole loaded
 * vectors where possible) so that the chunk is redone exactly. */
#define PL_HTAKE(v, c)                                                        \
    do {                                                                      \
        pl_vf v_ = (v);                                                       \
        if (want_idx) hat = pl_iblend(pl_gt(v_, h), hat, (c));                \
        h = pl_max(v_, h);                                                    \
    } while (0)

PL_INLINE pl_vf pl_hmax(const float *t, int n, pl_vi col, pl_vi *hat_out, pl_vm *nan,
                        const int64_t S, const int64_t KW, const int64_t DW,
                        const int want_idx, const int padl)
{
    const pl_vm act = pl_first(n);
    const pl_vi step = pl_imul(pl_ilanes(), pl_iset1((int32_t)S));
    pl_vf h;
    pl_vi hat = col;
    if (S == 2 && DW == 1 && n == PL_VL && KW == 3) {
        /* the ResNet shape: two loads from the second tap on, split even/odd,
         * give taps 1 and 2; tap 0 is the odd lanes moved up one, with the
         * element before them (-inf: padding, for padl). So a row padded by
         * one needs no masked load at all. t[0] is checked for NaN by the
         * previous chunk's loads or by the caller. */
        pl_vf a = pl_loadu(t + 1), b = pl_loadu(t + 1 + PL_VL);
        *nan = pl_mor(*nan, pl_unord(a, b));
        const pl_vf d = pl_odd(a, b);
        h = pl_shift_left_in(d, padl ? -INFINITY : t[0]);
        PL_HTAKE(pl_even(a, b), pl_iadd(col, pl_iset1(1)));
        PL_HTAKE(d, pl_iadd(col, pl_iset1(2)));
    } else if (S == 2 && DW == 1 && n == PL_VL && KW == 2) {
        /* VGG: one even/odd split of two loads */
        pl_vf a = pl_loadu(t), b = pl_loadu(t + PL_VL);
        *nan = pl_mor(*nan, pl_unord(a, b));
        h = pl_even(a, b);
        PL_HTAKE(pl_odd(a, b), pl_iadd(col, pl_iset1(1)));
    } else if (S == 2 && DW == 1) {
        int64_t jw = 0;
        h = pl_zero();
        for (; jw + 1 < KW; jw += 2) {
            pl_vf e, d;
            pl_tap_pair(t + jw, n, &e, &d);
            *nan = pl_mor(*nan, pl_unord(e, d));
            if (jw == 0)
                h = e;
            else
                PL_HTAKE(e, pl_iadd(col, pl_iset1((int32_t)jw)));
            PL_HTAKE(d, pl_iadd(col, pl_iset1((int32_t)jw + 1)));
        }
        if (jw < KW) {
            pl_vf e = pl_tap(t + jw, n, 2, step, act);
            *nan = pl_mor(*nan, pl_unord(e, e));
            if (jw == 0)
                h = e;
            else
                PL_HTAKE(e, pl_iadd(col, pl_iset1((int32_t)jw)));
        }
    } else {
        h = pl_tap(t, n, S, step, act);
        pl_vf prev = h;
        for (int64_t jw = 1; jw < KW; jw++) {
            pl_vf v = pl_tap(t + jw * DW, n, S, step, act);
            if (jw & 1) *nan = pl_mor(*nan, pl_unord(prev, v));
            prev = v;
            PL_HTAKE(v, pl_iadd(col, pl_iset1((int32_t)(jw * DW))));
        }
        if (KW & 1) *nan = pl_mor(*nan, pl_unord(prev, prev));
    }
    *hat_out = hat;
    return h;
}

/* Interior outputs [ow0, ow0 + n) of one row (every W tap inside the row):
 * horizontal pass per valid row, then the rows in scan order, again keeping
 * the first on ties: so values and indices follow the scan order exactly.
 * Returns nonzero if a NaN was seen (the caller redoes the chunk exactly). */
PL_INLINE int pl_max_chunk_fast(const float *plane, const pl_rows *r, int64_t s0, int n,
                                float *o, int64_t *oi, const int64_t S, const int64_t KW,
                                const int64_t DW, const int want_idx)
{
    const pl_vm act = pl_first(n);
    const pl_vi col = pl_iadd(pl_imul(pl_ilanes(), pl_iset1((int32_t)S)), pl_iset1((int32_t)s0));
    pl_vm nan = pl_mnone();
    int nan_s = 0;
    pl_vf best = pl_zero();
    pl_vi at = pl_iset1(0);
    int first = 1;
    PL_FOR_ROWS(r, off, {
        pl_vi hat;
        pl_vf h = pl_hmax(plane + off + s0, n, col, &hat, &nan, S, KW, DW, want_idx, 0);
        if (S == 2 && DW == 1 && KW == 3 && n == PL_VL) {
            float x = plane[off + s0]; /* not checked by pl_hmax */
            nan_s |= x != x;
        }
        if (first) {
            best = h;
            if (want_idx) at = pl_iadd(hat, pl_iset1((int32_t)off));
            first = 0;
        } else {
            if (want_idx) at = pl_iblend(pl_gt(h, best), at, pl_iadd(hat, pl_iset1((int32_t)off)));
            best = pl_max(h, best);
        }
    });
    if (n == PL_VL)
        pl_storeu_out(o, best);
    else
        pl_storeu_m(o, best, act);
    if (want_idx) pl_store_i64(oi, at, n);
    return nan_s | (pl_mbits(pl_mand(nan, act)) != 0);
}

/* Chunks of the interior with the valid rows' offsets in `offs` (R of them,
 * a constant in the common instances): no loop but the chunks', and NaN
 * flagged for the whole range, which is then redone exactly. Every chunk
 * loads whole vectors; a last one shorter than a vector stores its first
 * ie - ow lanes, and its loads must stay in the plane (the caller checks):
 * they may run on into the next rows, whose values reach only lanes that
 * are not stored (a NaN there costs a redo, no more). */
PL_INLINE int pl_max_interior_rows(const float *plane, const int64_t *offs, const int R,
                                   int64_t ib, int64_t ie, int64_t pb, float *o, int64_t *oi,
                                   const int64_t S, const int64_t KW, const int64_t DW,
                                   const int want_idx, const int padl)
{
    pl_vm nan = pl_mnone();
    int nan_s = 0;
    int64_t ow = ib;
    if (S == 2 && DW == 1 && KW == 3 && !padl)
        /* tap 0 of the first chunk's lane 0: before its loads */
        for (int i = 0; i < R; i++) {
            float x = plane[offs[i] + ib * 2 - pb];
            nan_s |= x != x;
        }
    for (; ow < ie; ow += PL_VL) {
        const int n = ie - ow < PL_VL ? (int)(ie - ow) : PL_VL;
        const int64_t s0 = ow * S - pb;
        const pl_vi col =
            pl_iadd(pl_imul(pl_ilanes(), pl_iset1((int32_t)S)), pl_iset1((int32_t)s0));
        pl_vi at = col, hat;
        /* one prefetch per cache line the chunk consumes in each row */
        for (int i = 0; i < R; i++)
            for (int64_t l = 0; l < PL_VL * S; l += 16)
                PL_PREFETCH(plane + offs[i] + s0 + PL_PREFETCH_AHEAD + l);
        pl_vf best =
            pl_hmax(plane + offs[0] + s0, PL_VL, col, &hat, &nan, S, KW, DW, want_idx, padl);
        if (want_idx) at = pl_iadd(hat, pl_iset1((int32_t)offs[0]));
        for (int i = 1; i < R; i++) {
            pl_vf h = pl_hmax(plane + offs[i] + s0, PL_VL, col, &hat, &nan, S, KW, DW, want_idx,
                              padl);
            if (want_idx)
                at = pl_iblend(pl_gt(h, best), at, pl_iadd(hat, pl_iset1((int32_t)offs[i])));
            best = pl_max(h, best);
        }
        if (n == PL_VL)
            pl_storeu_out(o + (ow - ib), best);
        else
            pl_storeu_m(o + (ow - ib), best, pl_first(n));
        if (want_idx) pl_store_i64(oi + (ow - ib), at, n);
        /* padl: lane 0's tap 0 is padding, right unless all its taps are -inf */
        if (padl && want_idx) nan = pl_mor(nan, pl_eq(best, pl_set1(-INFINITY)));
    }
    return nan_s | (pl_mbits(nan) != 0);
}

#define PL_MAXR 16
#define PL_BWD_TABLE 4096

/* The interior of one row, [ib, ie) into o[0 ..], oi[0 ..], for one shape:
 * S/KW/DW are constants when the caller passes literals (the function is
 * inlined into each case), and full chunks are compiled apart from the tail. */
PL_INLINE void pl_max_interior(const sp_problem *p, const float *plane, const pl_rows *r,
                               int64_t ib, int64_t ie, float *o, int64_t *oi,
                               const int64_t S, const int64_t KW, const int64_t DW)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t pb = aw->pad_begin;
    int64_t ow = ib;
    for (; ow + PL_VL <= ie; ow += PL_VL) {
        int64_t s0 = ow * S - pb;
        float *oo = o + (ow - ib);
        int64_t *ooi = oi ? oi + (ow - ib) : NULL;
        int nan = ooi ? pl_max_chunk_fast(plane, r, s0, PL_VL, oo, ooi, S, KW, DW, 1)
                      : pl_max_chunk_fast(plane, r, s0, PL_VL, oo, NULL, S, KW, DW, 0);
        if (__builtin_expect(nan, 0)) pl_max_chunk_exact(p, plane, r, ow, PL_VL, oo, ooi);
    }
}

/* Border chunks, outputs [ow0, ow0 + n) that may have taps outside the row:
 * padding is read as -inf (masked loads), which never wins a value, so
 * values are right whenever the window has a valid tap, and -inf, right too,
 * when it has none. Indices are right unless the result is -inf (the first
 * valid tap must win then, not a padding position); NaN is flagged as in the
 * interior: such chunks are redone exactly. */
static void pl_max_chunk_border(const sp_problem *p, const float *plane, const pl_rows *r,
                                int64_t ow0, int n, float *o, int64_t *oi)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t S = aw->stride, w = aw->in, DW = aw->dilation;
    const int64_t b0 = ow0 * S - aw->pad_begin;
    const pl_vm act = pl_first(n);
    const pl_vf ninf = pl_set1(-INFINITY);
    int64_t jlo = 0, jhi = aw->kernel;
    if (aw->kernel > 8) pl_tap_union(aw, ow0, n, &jlo, &jhi);
    const pl_vi col = pl_iadd(pl_imul(pl_ilanes(), pl_iset1((int32_t)S)), pl_iset1((int32_t)b0));
    pl_vf best = ninf;
    pl_vi at = pl_iset1(-1);
    pl_vm nan = pl_mnone();
    const int pair3 = S == 2 && DW == 1 && aw->kernel <= 3 && aw->kernel >= 2;
    PL_FOR_ROWS(r, off, {
        const float *row = plane + off;
        const pl_vi rowat = pl_iadd(col, pl_iset1((int32_t)off));
        if (pair3) {
            /* taps 0, 1 (and 2) from one pair of masked loads, as inside */
            const float *t = (const float *)((uintptr_t)row + (uintptr_t)(b0 * 4));
            int64_t hi = w - b0 < 2 * n + 1 ? w - b0 : 2 * n + 1;
            pl_vf a = pl_loadu_fill(t, pl_range(-b0, hi), ninf);
            pl_vf c = pl_loadu_fill(t + PL_VL, pl_range(-b0 - PL_VL, hi - PL_VL), ninf);
            pl_vf e = pl_even(a, c), d = pl_odd(a, c);
            nan = pl_mor(nan, pl_unord(a, c));
            if (oi) at = pl_iblend(pl_gt(e, best), at, rowat);
            best = pl_max(e, best);
            if (oi) at = pl_iblend(pl_gt(d, best), at, pl_iadd(rowat, pl_iset1(1)));
            best = pl_max(d, best);
            if (aw->kernel == 3) {
                float x = 2 * PL_VL >= -b0 && 2 * PL_VL < w - b0 && n == PL_VL ? t[2 * PL_VL]
                                                                               : -INFINITY;
                pl_vf e2 = n == PL_VL ? pl_shift_in(e, x)
                                      : pl_tap_fill(row, b0 + 2, w, n, 2, ninf);
                nan = pl_mor(nan, pl_unord(e2, e2));
                if (oi) at = pl_iblend(pl_gt(e2, best), at, pl_iadd(rowat, pl_iset1(2)));
                best = pl_max(e2, best);
            }
        } else {
            for (int64_t jw = jlo; jw < jhi; jw++) {
                pl_vf v = pl_tap_fill(row, b0 + jw * DW, w, n, S, ninf);
                nan = pl_mor(nan, pl_unord(v, v));
                if (oi)
                    at = pl_iblend(pl_gt(v, best), at, pl_iadd(rowat, pl_iset1((int32_t)(jw * DW))));
                best = pl_max(v, best);
            }
        }
    });
    /* the NaN flags come from whole loaded vectors, whose lanes are not
     * output lanes; lanes past n were filled with -inf, never NaN */
    if (oi) nan = pl_mor(nan, pl_mand(pl_eq(best, ninf), act));
    if (__builtin_expect(pl_mbits(nan) != 0, 0)) {
        pl_max_chunk_exact(p, plane, r, ow0, n, o, oi);
        return;
    }
    pl_storeu_m(o, best, act);
    if (oi) pl_store_i64(oi, at, n);
}

/* A masked chunk (border, or shorter than a vector) over R rows at `offs`:
 * the same rules as pl_max_chunk_border. Returns nonzero if the chunk must
 * be redone exactly (NaN seen, or with indices a -inf result). */
PL_INLINE int pl_max_chunk_masked(const sp_axis *aw, const float *plane, const int64_t *offs,
                                  const int R, int64_t ow0, int n, float *o, int64_t *oi,
                                  const int64_t S, const int64_t KW, const int64_t DW,
                                  const int want_idx)
{
    const int64_t w = aw->in, b0 = ow0 * S - aw->pad_begin;
    const pl_vm act = pl_first(n);
    const pl_vf ninf = pl_set1(-INFINITY);
    int64_t jlo = 0, jhi = KW;
    if (KW > 8) pl_tap_union(aw, ow0, n, &jlo, &jhi);
    const pl_vi col = pl_iadd(pl_imul(pl_ilanes(), pl_iset1((int32_t)S)), pl_iset1((int32_t)b0));
    pl_vf best = ninf;
    pl_vi at = pl_iset1(-1);
    pl_vm nan = pl_mnone();
    for (int i = 0; i < R; i++) {
        const float *row = plane + offs[i];
        const pl_vi rowat = pl_iadd(col, pl_iset1((int32_t)offs[i]));
        if (S == 2 && DW == 1 && (KW == 2 || KW == 3)) {
            const float *t = (const float *)((uintptr_t)row + (uintptr_t)(b0 * 4));
            int64_t hi = w - b0 < 2 * n + 1 ? w - b0 : 2 * n + 1;
            pl_vf a = pl_loadu_fill(t, pl_range(-b0, hi), ninf);
            pl_vf c = pl_loadu_fill(t + PL_VL, pl_range(-b0 - PL_VL, hi - PL_VL), ninf);
            pl_vf e = pl_even(a, c), d = pl_odd(a, c);
            nan = pl_mor(nan, pl_unord(a, c));
            if (want_idx) at = pl_iblend(pl_gt(e, best), at, rowat);
            best = pl_max(e, best);
            if (want_idx) at = pl_iblend(pl_gt(d, best), at, pl_iadd(rowat, pl_iset1(1)));
            best = pl_max(d, best);
            if (KW == 3) {
                pl_vf e2;
                if (n == PL_VL) {
                    float x = 2 * PL_VL >= -b0 && 2 * PL_VL < w - b0 ? t[2 * PL_VL] : -INFINITY;
                    e2 = pl_shift_in(e, x);
                } else {
                    e2 = pl_tap_fill(row, b0 + 2, w, n, 2, ninf);
                }
                nan = pl_mor(nan, pl_unord(e2, e2));
                if (want_idx) at = pl_iblend(pl_gt(e2, best), at, pl_iadd(rowat, pl_iset1(2)));
                best = pl_max(e2, best);
            }
        } else {
            for (int64_t jw = jlo; jw < jhi; jw++) {
                pl_vf v = pl_tap_fill(row, b0 + jw * DW, w, n, S, ninf);
                nan = pl_mor(nan, pl_unord(v, v));
                if (want_idx)
                    at = pl_iblend(pl_gt(v, best), at, pl_iadd(rowat, pl_iset1((int32_t)(jw * DW))));
                best = pl_max(v, best);
            }
        }
    }
    /* NaN flags come from whole loaded vectors, whose lanes are not output
     * lanes; lanes past n were filled with -inf, never NaN */
    if (want_idx) nan = pl_mor(nan, pl_mand(pl_eq(best, ninf), act));
    pl_storeu_m(o, best, act);
    if (want_idx) pl_store_i64(oi, at, n);
    return pl_mbits(nan) != 0;
}

/* pl_max_chunk_exact for output row (od, oh), whose pl_rows r the caller
 * may not have computed (NULL). Rare: kept out of the callers' loops. */
static __attribute__((noinline, cold)) void pl_max_redo(const sp_problem *p, const float *plane,
                                                       const pl_rows *r, int64_t od,
                                                       int64_t oh, int64_t ow0, int n, float *o,
                                                       int64_t *oi)
{
    if (r) {
        pl_max_chunk_exact(p, plane, r, ow0, n, o, oi);
    } else {
        const pl_rows rr = pl_rows_of(p, od, oh);
        pl_max_chunk_exact(p, plane, &rr, ow0, n, o, oi);
    }
}

/* A row of outputs [ob, oe) with R <= PL_MAXR valid rows, for one shape
 * (constants S/KW/DW in the common instances): interior vectors take
 * pl_hmax's plain loads (dense stride 2: a short last one too, when its
 * loads stay in the plane), every other chunk the masked path. r: the
 * row's pl_rows, or NULL (then od, oh name the row, for redoes). */
PL_INLINE void pl_max_row_rows(const sp_problem *p, const float *plane, const pl_rows *r,
                               int64_t od, int64_t oh, const int64_t *offs, const int R,
                               int64_t ob, int64_t oe, float *o, int64_t *oi, const int64_t S,
                               const int64_t KW, const int64_t DW, const int want_idx)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t ib = aw->interior_begin, ie = aw->interior_end, pb = aw->pad_begin;
    int64_t ow = ob;
    if (S == 2 && DW == 1 && KW == 3 && pb == 1 && ob == 0 && PL_VL <= ie && PL_VL <= oe) {
        /* the first vector of a row padded by one: no masked load either */
        if (pl_max_interior_rows(plane, offs, R, 0, PL_VL, pb, o, oi, S, KW, DW, want_idx, 1))
            pl_max_redo(p, plane, r, od, oh, 0, PL_VL, o, want_idx ? oi : NULL);
        ow = PL_VL;
    }
    while (ow < oe) {
        float *oo = o + (ow - ob);
        int64_t *ooi = want_idx ? oi + (ow - ob) : NULL;
        if (ow >= ib && ow + PL_VL <= ie && ow + PL_VL <= oe) {
            int64_t end = ie < oe ? ie : oe;
            end = ow + (end - ow) / PL_VL * PL_VL;
            if (pl_max_interior_rows(plane, offs, R, ow, end, pb, oo, ooi, S, KW, DW, want_idx, 0))
                for (int64_t x = ow; x < end; x += PL_VL)
                    pl_max_redo(p, plane, r, od, oh, x, PL_VL, o + (x - ob),
                                want_idx ? oi + (x - ob) : NULL);
            ow = end;
            continue;
        }
        const int64_t iend = ie < oe ? ie : oe, back = iend - PL_VL;
        /* (not when the outputs left fit one masked chunk, which a border
         * output after the interior needs anyway) */
        if (ow >= ib && ow < iend && back >= ib && back >= ob &&
            !(oe > ie && oe - ow <= PL_VL)) {
            /* the interior's last few outputs: one more whole vector that
             * ends there, overlapping the previous one (the outputs it
             * repeats get the same bits again) instead of a masked chunk */
            if (pl_max_interior_rows(plane, offs, R, back, iend, pb, o + (back - ob),
                                     want_idx ? oi + (back - ob) : NULL, S, KW, DW, want_idx, 0))
                pl_max_redo(p, plane, r, od, oh, back, PL_VL, o + (back - ob),
                            want_idx ? oi + (back - ob) : NULL);
            ow = iend;
            continue;
        }
        int n = oe - ow < PL_VL ? (int)(oe - ow) : PL_VL;
        if (S == 2 && DW == 1 && KW <= 3 && ow >= ib && ow + n <= ie &&
            offs[R - 1] + ow * 2 - pb + 2 * PL_VL + 1 <= p->in_plane) {
            /* a row shorter than a vector (or its short end), all interior:
             * whole loads, as inside */
            if (pl_max_interior_rows(plane, offs, R, ow, ow + n, pb, oo, ooi, S, KW, DW, want_idx,
                                     0))
                pl_max_redo(p, plane, r, od, oh, ow, n, oo, ooi);
            ow += n;
            continue;
        }
        if (pl_max_chunk_masked(aw, plane, offs, R, ow, n, oo, ooi, S, KW, DW, want_idx))
            pl_max_redo(p, plane, r, od, oh, ow, n, oo, ooi);
        ow += n;
    }
}

#define PL_ROWS_CASES(S_, K_, D_)                                                              \
    do {                                                                                       \
        if (R == 3)                                                                            \
            oi ? pl_max_row_rows(p, plane, r, 0, 0, offs, 3, ob, oe, o, oi, S_, K_, D_, 1)     \
               : pl_max_row_rows(p, plane, r, 0, 0, offs, 3, ob, oe, o, oi, S_, K_, D_, 0);    \
        else if (R == 2)                                                                       \
            oi ? pl_max_row_rows(p, plane, r, 0, 0, offs, 2, ob, oe, o, oi, S_, K_, D_, 1)     \
               : pl_max_row_rows(p, plane, r, 0, 0, offs, 2, ob, oe, o, oi, S_, K_, D_, 0);    \
        else                                                                                   \
            oi ? pl_max_row_rows(p, plane, r, 0, 0, offs, R, ob, oe, o, oi, S_, K_, D_, 1)     \
               : pl_max_row_rows(p, plane, r, 0, 0, offs, R, ob, oe, o, oi, S_, K_, D_, 0);    \
    } while (0)

/* Outputs [ob, oe) of one row into o[0 ..], oi[0 ..]: whole vectors of
 * border chunks until the interior starts (so a padded row costs one chunk
 * more at most), the interior, then chunks that may mix interior and border. */
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
    if (r->count <= PL_MAXR) {
        int64_t offs[PL_MAXR];
        int R = 0;
        PL_FOR_ROWS(r, off, offs[R++] = off);
        const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
        PL_FOR_W_SHAPE(PL_ROWS_CASES, S, K, D);
        return;
    }
    const int64_t ib = aw->interior_begin, ie = aw->interior_end;
    int64_t ow = ob;
    while (ow < oe && ow < ib) {
        int n = oe - ow < PL_VL ? (int)(oe - ow) : PL_VL;
        pl_max_chunk_border(p, plane, r, ow, n, o + (ow - ob), oi ? oi + (ow - ob) : NULL);
        ow += n;
    }
    int64_t full_end = ow;
    if (ie - ow >= PL_VL) {
        full_end = ow + (ie - ow) / PL_VL * PL_VL;
        if (full_end > oe) full_end = ow + (oe - ow) / PL_VL * PL_VL;
    }
    if (full_end > ow) {
        const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
        float *oo = o + (ow - ob);
        int64_t *ooi = oi ? oi + (ow - ob) : NULL;
#define PL_MAX_INTERIOR(S_, K_, D_) pl_max_interior(p, plane, r, ow, full_end, oo, ooi, S_, K_, D_)
        PL_FOR_W_SHAPE(PL_MAX_INTERIOR, S, K, D);
#undef PL_MAX_INTERIOR
        ow = full_end;
    }
    while (ow < oe) {
        int n = oe - ow < PL_VL ? (int)(oe - ow) : PL_VL;
        float *oo = o + (ow - ob);
        int64_t *ooi = oi ? oi + (ow - ob) : NULL;
        if (ow + n <= ie) {
            const int64_t S = aw->stride, s0 = ow * S - aw->pad_begin;
            int nan = pl_max_chunk_fast(plane, r, s0, n, oo, ooi, S, aw->kernel, aw->dilation,
                                        ooi != NULL);
            if (__builtin_expect(nan, 0)) pl_max_chunk_exact(p, plane, r, ow, n, oo, ooi);
        } else {
            pl_max_chunk_border(p, plane, r, ow, n, oo, ooi);
        }
        ow += n;
    }
}

/* ---- max with indices, input rows shared between windows ------------------- */

/*
 * With indices the W taps of an input row are taken first (pl_hmax: their
 * max and the first position reaching it), then the rows in scan order.
 * When windows overlap along H (stride < extent), one input row is that
 * same horizontal pass for up to ceil(extent / stride) output rows: here it
 * runs once per input row into a small ring of rows (values, flat offsets
 * of the winners), and every output row merges its valid rows' entries in
 * scan order (strictly greater wins: the earlier row keeps a tie, -0.0 and
 * +0.0 included), so values and indices are those of the scan order.
 *
 * The pass reads a copy of the row between -inf padding, so that every
 * chunk, border or not, is whole vectors of plain loads: the copy costs a
 * load and a store per vector of the row, where a masked tap costs several
 * instructions per tap and row. Padding never wins a value; it can hold the
 * index only when the result is -inf. So an output row that reads a row
 * with a NaN (checked on the copy), or that gets a -inf result, is redone
 * by pl_max_row.
 */
#define PL_HS_ENTRIES 4096 /* ring entries: values and flat offsets */
#define PL_HS_BUF 2048     /* floats of the padded row copy */

typedef struct pl_hs_ring {
    float v[PL_HS_ENTRIES];
    int32_t at[PL_HS_ENTRIES];
    float row[PL_HS_BUF];
    int nan[PL_MAXR]; /* the row in the slot had a NaN */
} pl_hs_ring;

/* Ring slots: a power of two >= the H extent, so a window's rows never share one. */
static inline int64_t pl_hs_slots(const sp_axis *ah)
{
    int64_t n = 1;
    while (n < ah->extent) n *= 2;
    return n;
}

/* Floats of the padded row copy: the left padding, then everything the
 * passes of ceil(OW / PL_VL) whole vectors may load (pl_hmax reads at most
 * two vectors past a chunk's taps). */
static inline int64_t pl_hs_buf(const sp_axis *aw)
{
    const int64_t chunks = (aw->out + PL_VL - 1) / PL_VL;
    return aw->pad_begin + chunks * PL_VL * aw->stride + aw->extent + 2 * PL_VL;
}

/* Does pl_max_planes_hshare take this problem? Unit windows along D (an
 * output row reads one D slice), and room. Measured on Zen 4 (AVX2 and
 * AVX-512): it pays with stride 1 along H and W (GoogLeNet's 3x3/1 on 28x28:
 * 0.6-0.8x the time), where each pass serves every row of a window; with
 * stride 2 (ResNet's, AlexNet's 3x3/2) a pass serves 1.5 rows, which does not
 * repay the copy and the ring's stores and loads (1.0-1.4x the time). */
static inline int pl_hs_fits(const sp_problem *p)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    return ad->kernel == 1 && ad->pad_begin == 0 && ah->stride == 1 && ah->extent > 1 &&
           aw->stride == 1 &&
           ah->extent <= PL_MAXR && pl_hs_slots(ah) * (aw->out + PL_VL) <= PL_HS_ENTRIES &&
           pl_hs_buf(aw) <= PL_HS_BUF;
}

/* The horizontal pass of the input row src[0 .. w), at flat offset off, for
 * outputs [0, own) into hv, ha (whole vectors: own rounded up), through the
 * copy at buf (-inf before and after [0, w)). Returns nonzero if the row has
 * a NaN. The extents come as values: stores to the caller's int64 indices
 * could alias the problem's fields. */
PL_INLINE int pl_hs_row(const float *src, int64_t off, int64_t w, int64_t own, int64_t pb,
                        float *buf, float *hv, int32_t *ha, const int64_t S, const int64_t KW,
                        const int64_t DW)
{
    pl_vm nan = pl_mnone();
    if (w >= PL_VL) {
        int64_t x = 0;
        for (; x + PL_VL <= w; x += PL_VL) {
            const pl_vf v = pl_loadu(src + x);
            nan = pl_mor(nan, pl_unord(v, v));
            pl_storeu(buf + x, v);
        }
        if (x < w) { /* the last vector again, ending at w */
            const pl_vf v = pl_loadu(src + w - PL_VL);
            nan = pl_mor(nan, pl_unord(v, v));
            pl_storeu(buf + w - PL_VL, v);
        }
    } else {
        const pl_vf v = pl_loadu_fill(src, pl_first((int)w), pl_set1(-INFINITY));
        nan = pl_mor(nan, pl_unord(v, v));
        pl_storeu(buf, v);
    }
    /* NaN is known from the copy: pl_hmax's flags go unused */
    pl_vm unused = pl_mnone();
    const pl_vi step = pl_iset1((int32_t)(PL_VL * S));
    pl_vi col = pl_iadd(pl_imul(pl_ilanes(), pl_iset1((int32_t)S)), pl_iset1((int32_t)(off - pb)));
    for (int64_t ow = 0; ow < own; ow += PL_VL) {
        pl_vi hat;
        const pl_vf h = pl_hmax(buf + ow * S - pb, PL_VL, col, &hat, &unused, S, KW, DW, 1, 0);
        pl_storeu(hv + ow, h);
        pl_istoreu(ha + ow, hat);
        col = pl_iadd(col, step);
    }
    return pl_mbits(nan) != 0;
}

/* One output row [0, OW) from the passes of its R valid rows, in scan order.
 * Returns nonzero if a result is -inf. */
PL_INLINE int pl_hs_merge(const float *const *hv, const int32_t *const *ha, const int R,
                          int64_t own, float *o, int64_t *oi)
{
    const pl_vf ninf = pl_set1(-INFINITY);
    pl_vm bad = pl_mnone();
    for (int64_t ow = 0; ow < own; ow += PL_VL) {
        int64_t at = ow;
        int n = PL_VL;
        if (ow + PL_VL > own) {
            if (own >= PL_VL)
                at = own - PL_VL; /* the same bits again for the outputs it repeats */
            else
                n = (int)own;
        }
        pl_vf best = pl_loadu(hv[0] + at);
        pl_vi idx = pl_iloadu(ha[0] + at);
        for (int i = 1; i < R; i++) {
            const pl_vf v = pl_loadu(hv[i] + at);
            idx = pl_iblend(pl_gt(v, best), idx, pl_iloadu(ha[i] + at));
            best = pl_max(v, best);
        }
        if (n == PL_VL) {
            bad = pl_mor(bad, pl_eq(best, ninf));
            pl_storeu_out(o + at, best);
        } else {
            const pl_vm act = pl_first(n);
            bad = pl_mor(bad, pl_mand(pl_eq(best, ninf), act));
            pl_storeu_m(o + at, best, act);
        }
        pl_store_i64(oi + at, idx, n);
    }
    return pl_mbits(bad) != 0;
}

/* Every row of planes [begin, end) with indices, for one W shape, by
 * horizontal passes shared through the ring (pl_hs_fits: stride 1 along H,
 * so the rows a window reads are computed in order, each once per D slice,
 * and the ring holds the last `slots` of them). */
PL_INLINE void pl_max_planes_hshare(const sp_problem *p, const float *src, float *dst,
                                    int64_t *indices, int64_t begin, int64_t end,
                                    const int64_t S, const int64_t KW, const int64_t DW)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t odn = ad->out, ohn = ah->out, own = aw->out, sd = ad->stride;
    const int64_t ihn = ah->in, phb = ah->pad_begin, dh = ah->dilation;
    const int64_t w = aw->in, pb = aw->pad_begin, width = own + PL_VL;
    const int64_t in_plane = p->in_plane, out_plane = p->out_plane;
    const int64_t mask = pl_hs_slots(ah) - 1;
    pl_hs_ring ring;
    for (int64_t i = 0, n = pl_hs_buf(aw); i < n; i++) ring.row[i] = -INFINITY;
    float *const buf = ring.row + pb;
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * in_plane;
        for (int64_t od = 0; od < odn; od++) {
            const int64_t slice = od * sd * ihn; /* the slice's first row */
            int64_t d0, d1;
            pl_valid_taps(ad, od, &d0, &d1); /* end padding may leave none */
            int64_t next = 0;                 /* the first row not computed yet */
            for (int64_t oh = 0; oh < ohn; oh++) {
                const int64_t o = item * out_plane + (od * ohn + oh) * own;
                int64_t h0, h1;
                pl_valid_taps(ah, oh, &h0, &h1);
                const float *hv[PL_MAXR];
                const int32_t *ha[PL_MAXR];
                const int R = (int)(h1 - h0);
                int redo = R == 0 || d0 == d1;
                if (!redo) {
                    /* rows from the window's start on: unlike the first
                     * valid row (dilation), it never moves back */
                    const int64_t lo = oh - phb + h0 * dh, hi = lo + (R - 1) * dh + 1;
                    if (next < oh - phb) next = oh - phb;
                    for (; next < hi; next++) {
                        const int64_t k = next & mask, off = (slice + next) * w;
                        ring.nan[k] = pl_hs_row(plane + off, off, w, own, pb, buf,
                                                ring.v + k * width, ring.at + k * width, S, KW,
                                                DW);
                    }
                    for (int i = 0; i < R; i++) {
                        const int64_t k = (lo + i * dh) & mask;
                        redo |= ring.nan[k];
                        hv[i] = ring.v + k * width;
                        ha[i] = ring.at + k * width;
                    }
                }
                if (!redo) {
                    if (R == 3)
                        redo = pl_hs_merge(hv, ha, 3, own, dst + o, indices + o);
                    else if (R == 2)
                        redo = pl_hs_merge(hv, ha, 2, own, dst + o, indices + o);
                    else
                        redo = pl_hs_merge(hv, ha, R, own, dst + o, indices + o);
                }
                if (__builtin_expect(redo, 0)) {
                    const pl_rows r = pl_rows_of(p, od, oh);
                    pl_max_row(p, plane, &r, 0, own, dst + o, indices + o);
                }
            }
        }
    }
}

/* One function per W shape (stride 1, as pl_hs_fits asks), so each gets its
 * own registers. */
static __attribute__((noinline)) void pl_max_hshare_k3(const sp_problem *p, const float *src,
                                                      float *dst, int64_t *indices,
                                                      int64_t begin, int64_t end)
{
    pl_max_planes_hshare(p, src, dst, indices, begin, end, 1, 3, 1);
}
static __attribute__((noinline)) void pl_max_hshare_any(const sp_problem *p, const float *src,
                                                       float *dst, int64_t *indices,
                                                       int64_t begin, int64_t end)
{
    const sp_axis *aw = &p->axis[SP_W];
    pl_max_planes_hshare(p, src, dst, indices, begin, end, 1, aw->kernel, aw->dilation);
}

/* ---- max with indices, "same" stride-1 slices as flat arrays --------------- */

/*
 * Stride 1 along H and W with output extents equal to the input's (padding
 * K - 1 in all, as GoogLeNet's 3x3/1/1): output p = oh * W + ow of a D slice
 * has its window's tap (jh, jw) at input p + (jh - ph) * W + (jw - pw). So a
 * slice is one flat array, and every output vector, across row ends, is the
 * same KH * KW loads at constant offsets; a tap that falls off a row's side
 * (the lanes at a row's first or last columns) is replaced by -inf. Against
 * the row-by-row paths this drops the per-row set-up, which on short rows
 * (GoogLeNet's 28) cost as much as the vector work, and stores whole vectors
 * at the slice's own alignment, so the nt build streams every line of values
 * and indices instead of rows that start mid-line.
 *
 * Scan order is increasing flat offset; the taps are visited in it and a tap
 * takes a lane only if strictly greater, so the first wins ties (-0.0 and
 * +0.0 included: maxps keeps its second operand on equality). The tap of
 * offset 0 reads each input of the slice once: a NaN among them, or a -inf
 * result (a side tap's -inf could hold the index), sends the slice to
 * pl_max_row. Vectors whose taps may leave the slice (its first and last
 * rows) mask their loads.
 */
static inline int pl_flat_fits(const sp_problem *p)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    return ad->kernel == 1 && ad->stride == 1 && ad->pad_begin == 0 && ad->out == ad->in &&
           ah->stride == 1 && aw->stride == 1 && ah->dilation == 1 && aw->dilation == 1 &&
           ah->out == ah->in && aw->out == aw->in && ah->pad_begin < ah->kernel &&
           aw->pad_begin < aw->kernel && ah->kernel * aw->kernel <= 9;
}

/* Outputs [p, p + n) of the slice s (h x w); ow: the lanes' columns, pos:
 * their offsets in the plane. `border`: mask the loads to the slice. */
PL_INLINE void pl_flat_chunk(const float *s, int64_t p, int n, int64_t h, int64_t w, pl_vi ow,
                             pl_vi pos, float *o, int64_t *oi, pl_vm *bad, const int64_t KH,
                             const int64_t KW, const int64_t PH, const int64_t PW,
                             const int border)
{
    const pl_vf ninf = pl_set1(-INFINITY);
    pl_vf best = ninf;
    pl_vi at = pl_iset1(0);
    for (int64_t jh = 0; jh < KH; jh++) {
        const pl_vm rows = border ? pl_range((PH - jh) * w - p, (h + PH - jh) * w - p < n
                                                                    ? (h + PH - jh) * w - p
                                                                    : n)
                                  : pl_first(PL_VL);
        for (int64_t jw = 0; jw < KW; jw++) {
            const int64_t d = (jh - PH) * w + (jw - PW);
            const float *t = (const float *)((uintptr_t)s + (uintptr_t)((p + d) * 4));
            const pl_vm cols = jw < PW   ? pl_ige(ow, pl_iset1((int32_t)(PW - jw)))
                               : jw > PW ? pl_ilt(ow, pl_iset1((int32_t)(w + PW - jw)))
                                         : pl_first(PL_VL);
            pl_vf v;
            if (border)
                v = pl_loadu_fill(t, pl_mand(rows, cols), ninf);
            else if (jw == PW)
                v = pl_loadu(t);
            else
                v = pl_blend(cols, ninf, pl_loadu(t));
            if (jh == PH && jw == PW) *bad = pl_mor(*bad, pl_unord(v, v));
            if (jh == 0 && jw == 0) {
                best = v;
                at = pl_iset1((int32_t)d);
            } else {
                at = pl_iblend(pl_gt(v, best), at, pl_iset1((int32_t)d));
                best = pl_max(v, best);
            }
        }
    }
    at = pl_iadd(at, pos);
    if (n == PL_VL) {
        *bad = pl_mor(*bad, pl_eq(best, ninf));
        pl_storeu_out(o, best);
    } else {
        const pl_vm act = pl_first(n);
        *bad = pl_mor(*bad, pl_mand(pl_eq(best, ninf), act));
        pl_storeu_m(o, best, act);
    }
    pl_store_i64(oi, at, n);
}

/* Every slice of planes [begin, end) with indices (pl_flat_fits). KH, KW,
 * PH, PW are constants in the common instance. */
PL_INLINE void pl_max_planes_flat(const sp_problem *p, const float *src, float *dst,
                                  int64_t *indices, int64_t begin, int64_t end,
                                  const int64_t KH, const int64_t KW, const int64_t PH,
                                  const int64_t PW)
{
    const int64_t dn = p->axis[SP_D].in, h = p->axis[SP_H].in, w = p->axis[SP_W].in;
    const int64_t hw = h * w;
    /* vectors whose every tap lies in the slice */
    const int64_t safe_lo = PH * w + PW, safe_hi = hw - ((KH - 1 - PH) * w + (KW - 1 - PW));
    const pl_vi width = pl_iset1((int32_t)w), lanes = pl_ilanes();
    const pl_vi ow_step = pl_iset1((int32_t)(PL_VL % w)), pos_step = pl_iset1(PL_VL);
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * p->in_plane;
        for (int64_t d = 0; d < dn; d++) {
            const float *s = plane + d * hw;
            const int64_t off = item * p->out_plane + d * hw;
            float *o = dst + off;
            int64_t *oi = indices + off;
            pl_vi ow = lanes;
            for (int64_t k = w; k < PL_VL; k += w) /* lanes past w wrap (w < PL_VL) */
                ow = pl_iblend(pl_ige(ow, width), ow, pl_isub(ow, width));
            pl_vi pos = pl_iadd(lanes, pl_iset1((int32_t)(d * hw)));
            pl_vm bad = pl_mnone();
#define PL_FLAT_STEP(border)                                                                   \
    do {                                                                                       \
        const int n_ = hw - x < PL_VL ? (int)(hw - x) : PL_VL;                                 \
        pl_flat_chunk(s, x, border ? n_ : PL_VL, h, w, ow, pos, o + x, oi + x, &bad, KH, KW,   \
                      PH, PW, border);                                                         \
        ow = pl_iadd(ow, ow_step);                                                             \
        ow = pl_iblend(pl_ige(ow, width), ow, pl_isub(ow, width));                             \
        pos = pl_iadd(pos, pos_step);                                                          \
    } while (0)
            int64_t x = 0;
            for (; x < hw && x < safe_lo; x += PL_VL) PL_FLAT_STEP(1);
            for (; x + PL_VL <= safe_hi; x += PL_VL) PL_FLAT_STEP(0);
            for (; x < hw; x += PL_VL) PL_FLAT_STEP(1);
#undef PL_FLAT_STEP
            if (__builtin_expect(pl_mbits(bad) != 0, 0))
                for (int64_t oh = 0; oh < h; oh++) {
                    const pl_rows r = pl_rows_of(p, d, oh);
                    pl_max_row(p, plane, &r, 0, w, o + oh * w, oi + oh * w);
                }
        }
    }
}

static __attribute__((noinline)) void pl_max_flat_k3p1(const sp_problem *p, const float *src,
                                                      float *dst, int64_t *indices,
                                                      int64_t begin, int64_t end)
{
    pl_max_planes_flat(p, src, dst, indices, begin, end, 3, 3, 1, 1);
}
static __attribute__((noinline)) void pl_max_flat_any(const sp_problem *p, const float *src,
                                                     float *dst, int64_t *indices, int64_t begin,
                                                     int64_t end)
{
    const sp_axis *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    pl_max_planes_flat(p, src, dst, indices, begin, end, ah->kernel, aw->kernel, ah->pad_begin,
                       aw->pad_begin);
}

/* ---- max, values only: vertical first ------------------------------------- */

/* Without indices only each window's value is asked for, and over taps that
 * are not NaN the max does not depend on the order they are visited in,
 * except for the sign of a zero result (-0.0 and +0.0 tie, and the first in
 * scan order wins). So the valid rows are first maxed column by column on
 * whole loaded vectors (one max per row and input vector, where the
 * horizontal-first pass pays one per row and tap), and the W taps are taken
 * once, from the column maxima. A NaN anywhere in the loads (flagged beside
 * the max) or a zero result sends the row to pl_max_row, whose scan-order
 * paths are exact. Positions outside the row read as -inf: padding never
 * wins a value, and a window with no valid tap gets -inf, as it must. */

/* The column max of the R rows at offs over NV (1 or 2) vectors of positions
 * [pos, pos + NV * PL_VL) of rows w long, into *m0 (and *m1); NaN flagged
 * into *nan by an unordered compare per two loads (unless the loose max
 * keeps NaN by itself). Vectors that end by `lim` (w, or past the row end
 * but inside the plane when the caller needs no -inf there) are plain
 * loads, others masked (the pointer is formed as an integer: it may point
 * before the plane, and masked-off lanes are never touched). */
PL_INLINE void pl_colmax(const float *plane, const int64_t *offs, const int R, int64_t pos,
                         int64_t w, int64_t lim, const int NV, pl_vf *m0, pl_vf *m1, pl_vm *nan)
{
    const uintptr_t t = (uintptr_t)plane + (uintptr_t)(pos * (int64_t)sizeof(float));
#define PL_AT(i, k) ((const float *)(t + (uintptr_t)((offs[i] + (k) * PL_VL) * (int64_t)sizeof(float))))
    if (pos >= 0 && pos + NV * PL_VL <= lim) {
        if (NV == 2) {
            pl_vf a = pl_loadu(PL_AT(0, 0)), b = pl_loadu(PL_AT(0, 1));
            pl_vm f = PL_MAX_NAN_PROPAGATES ? pl_mnone() : pl_unord(a, b);
            for (int i = 1; i < R; i++) {
                pl_vf x = pl_loadu(PL_AT(i, 0)), y = pl_loadu(PL_AT(i, 1));
                if (!PL_MAX_NAN_PROPAGATES) f = pl_mor(f, pl_unord(x, y));
                a = pl_max_loose(x, a);
                b = pl_max_loose(y, b);
            }
            *m0 = a;
            *m1 = b;
            *nan = pl_mor(*nan, f);
        } else {
            /* rows in pairs, an odd one out with itself */
            pl_vf a = pl_loadu(PL_AT(0, 0));
            pl_vf b = R > 1 ? pl_loadu(PL_AT(1, 0)) : a;
            pl_vm f = PL_MAX_NAN_PROPAGATES ? pl_mnone() : pl_unord(a, b);
            a = pl_max_loose(b, a);
            for (int i = 2; i < R; i += 2) {
                pl_vf x = pl_loadu(PL_AT(i, 0));
                pl_vf y = i + 1 < R ? pl_loadu(PL_AT(i + 1, 0)) : x;
                if (!PL_MAX_NAN_PROPAGATES) f = pl_mor(f, pl_unord(x, y));
                a = pl_max_loose(y, pl_max_loose(x, a));
            }
            *m0 = a;
            *nan = pl_mor(*nan, f);
        }
    } else {
        const pl_vf ninf = pl_set1(-INFINITY);
        for (int k = 0; k < NV; k++) {
            const int64_t at = pos + k * PL_VL;
            const pl_vm in = pl_range(-at, w - at);
            pl_vf a = pl_loadu_fill(PL_AT(0, k), in, ninf);
            pl_vm f = PL_MAX_NAN_PROPAGATES ? pl_mnone() : pl_unord(a, a);
            for (int i = 1; i < R; i++) {
                pl_vf x = pl_loadu_fill(PL_AT(i, k), in, ninf);
                if (!PL_MAX_NAN_PROPAGATES) f = pl_mor(f, pl_unord(x, x));
                a = pl_max_loose(x, a);
            }
            *(k ? m1 : m0) = a;
            *nan = pl_mor(*nan, f);
        }
    }
#undef PL_AT
}

/* The state a row of chunks carries from one chunk to the next. */
typedef struct pl_vfirst_carry {
    pl_vf prev; /* stride 2, even padding: the column vector at the chunk's
                 * first tap; odd padding, and stride 1 with padding 1: the
                 * odd lanes / column vector before the chunk */
    pl_vf cur;  /* stride 1: the column vector at the chunk's outputs */
} pl_vfirst_carry;

/* One chunk, outputs [ow, ow + PL_VL) (stored: the first n), of a dense W
 * shape (stride 1 or 2, 2 or 3 taps, constants). The column vectors are
 * loaded at positions that keep the row's own alignment when the padding is
 * 0 or 1 (split cache-line loads cost more here than the shuffles that avoid
 * them), and the one a chunk shares with the next is carried. Stride 2 splits
 * two column vectors even/odd; the third tap is the even lanes moved down one
 * with the next vector's first lane (even padding), or the first tap the odd
 * lanes moved up one with the previous chunk's last (odd padding). Stride 1
 * takes the column vector moved by -1, 0, 1 or 2 lanes. */
PL_INLINE void pl_vfirst_chunk(const float *plane, const int64_t *offs, const int R, int64_t ow,
                               int n, int64_t w, int64_t lim, int64_t pb, float *o,
                               pl_vfirst_carry *c, pl_vm *redo, const int64_t S, const int64_t KW)
{
    const int64_t a = ow * S - pb; /* lane 0's first tap */
    pl_vf best, v0, v1;
    if (S == 2 && !(pb & 1)) {
        if (KW == 3) {
            pl_colmax(plane, offs, R, a + PL_VL, w, lim, 2, &v0, &v1, redo);
            const pl_vf e = pl_even(c->prev, v0);
            best = pl_max_loose(pl_max_loose(pl_odd(c->prev, v0), e), pl_next1(e, v1));
            c->prev = v1;
        } else {
            pl_colmax(plane, offs, R, a, w, lim, 2, &v0, &v1, redo);
            best = pl_max_loose(pl_odd(v0, v1), pl_even(v0, v1));
        }
    } else if (S == 2) {
        pl_colmax(plane, offs, R, a + 1, w, lim, 2, &v0, &v1, redo);
        const pl_vf d = pl_odd(v0, v1);
        best = pl_max_loose(pl_prev1(c->prev, d), pl_even(v0, v1));
        if (KW == 3) best = pl_max_loose(d, best);
        c->prev = d;
    } else {
        pl_colmax(plane, offs, R, ow + PL_VL, w, lim, 1, &v0, NULL, redo);
        if (pb == 0) {
            best = pl_max_loose(pl_next1(c->cur, v0), c->cur);
            if (KW == 3) best = pl_max_loose(pl_next2(c->cur, v0), best);
        } else {
            best = pl_max_loose(pl_prev1(c->prev, c->cur), c->cur);
            if (KW == 3) best = pl_max_loose(pl_next1(c->cur, v0), best);
            c->prev = c->cur;
        }
        c->cur = v0;
    }
    if (n == PL_VL) {
        *redo = pl_mor(*redo, pl_zero_or_nan(best));
        pl_storeu_out(o + ow, best);
    } else {
        const pl_vm act = pl_first(n);
        *redo = pl_mor(*redo, pl_mand(pl_zero_or_nan(best), act));
        pl_storeu_m(o + ow, best, act);
    }
}

/* One output row [0, own) from the R valid rows at offs, values only, into
 * o: the chunks whose loads all fall inside [0, lim) run without a check,
 * those before and after (padding, row ends) with masked loads. Returns
 * nonzero if the row must be redone in scan order (NaN, or a zero result). */
PL_INLINE int pl_max_row_vfirst(const float *plane, const int64_t *offs, const int R,
                                int64_t own, int64_t w, int64_t pb, int64_t ie, int64_t wlim,
                                float *o, const int64_t S, const int64_t KW)
{
    pl_vm redo = pl_mnone();
    pl_vfirst_carry c = {pl_set1(-INFINITY), pl_set1(-INFINITY)};
    if (S == 2 && KW == 3 && !(pb & 1))
        pl_colmax(plane, offs, R, -pb, w, w, 1, &c.prev, NULL, &redo);
    if (S == 1) pl_colmax(plane, offs, R, 0, w, w, 1, &c.cur, NULL, &redo);
    /* A chunk's loads start at ow * S + lo and end NV vectors later. Past
     * the row end they may run on into the plane's next rows when no output
     * in the row has a tap there: those lanes feed only outputs past the
     * row, never stored (a NaN there costs a redo, no more). */
    const int64_t lo = S == 2 ? ((pb & 1) ? 1 - pb : KW == 3 ? PL_VL - pb : -pb) : PL_VL;
    const int64_t span = S == 2 ? 2 * PL_VL : PL_VL;
    const int64_t lim = own <= ie ? wlim : w;
    int64_t body = lo >= 0 ? 0 : (-lo + S * PL_VL - 1) / (S * PL_VL) * PL_VL;
    int64_t body_end = lim - span - lo < 0 ? 0 : ((lim - span - lo) / S / PL_VL + 1) * PL_VL;
    if (body_end > own) body_end = own / PL_VL * PL_VL;
    if (body > body_end) body = body_end;
    int64_t ow = 0;
    for (; ow < body; ow += PL_VL)
        pl_vfirst_chunk(plane, offs, R, ow, own - ow < PL_VL ? (int)(own - ow) : PL_VL, w, w, pb,
                        o, &c, &redo, S, KW);
    for (; ow < body_end; ow += PL_VL)
        pl_vfirst_chunk(plane, offs, R, ow, PL_VL, w, INT64_MAX, pb, o, &c, &redo, S, KW);
    for (; ow < own; ow += PL_VL)
        pl_vfirst_chunk(plane, offs, R, ow, own - ow < PL_VL ? (int)(own - ow) : PL_VL, w, lim,
                        pb, o, &c, &redo, S, KW);
    return pl_mbits(redo) != 0;
}

/* Is the W shape one pl_max_row_vfirst takes? */
static inline int pl_vfirst_shape(int64_t S, int64_t KW, int64_t DW, int64_t pb)
{
    return DW == 1 && (KW == 2 || KW == 3) && (S == 2 || (S == 1 && pb <= 1));
}

/* One row through pl_max_row_vfirst, its R valid rows at plane + offs[i],
 * with R a constant for the common counts. */
#define PL_VFIRST_ROW(redo, plane, offs, R, wlim)                                              \
    do {                                                                                       \
        if ((R) == 3)                                                                          \
            redo = pl_max_row_vfirst(plane, offs, 3, own, w, pb, ie, wlim, o, S, KW);          \
        else if ((R) == 2)                                                                     \
            redo = pl_max_row_vfirst(plane, offs, 2, own, w, pb, ie, wlim, o, S, KW);          \
        else if ((R) == 1)                                                                     \
            redo = pl_max_row_vfirst(plane, offs, 1, own, w, pb, ie, wlim, o, S, KW);          \
        else                                                                                   \
            redo = pl_max_row_vfirst(plane, offs, R, own, w, pb, ie, wlim, o, S, KW);          \
    } while (0)

/* The rows of a window inside the plane (all D x H taps valid), as offsets
 * from its first row; 0 rows when there are more than PL_MAXR. */
static inline int pl_interior_row_offsets(const sp_problem *p, int64_t rel[PL_MAXR])
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H];
    const int64_t w = p->axis[SP_W].in;
    int n = 0;
    if (ad->kernel * ah->kernel <= PL_MAXR)
        for (int64_t jd = 0; jd < ad->kernel; jd++)
            for (int64_t jh = 0; jh < ah->kernel; jh++)
                rel[n++] = (jd * ad->dilation * ah->in + jh * ah->dilation) * w;
    return n;
}

/* Every row of planes [begin, end), values only, for one W shape. Output
 * rows whose windows lie inside the plane in D and H (most of them) have
 * the same valid rows relative to their first, computed once here; the
 * others go through pl_rows_of. Rows that pl_max_row_vfirst flags, and rows
 * with no or too many valid rows, go to pl_max_row. */
PL_INLINE void pl_max_planes_vfirst(const sp_problem *p, const float *src, float *dst,
                                    int64_t begin, int64_t end, const int64_t S,
                                    const int64_t KW)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t odn = ad->out, ohn = ah->out, own = aw->out;
    const int64_t w = aw->in, pb = aw->pad_begin, ie = aw->interior_end;
    const int64_t in_plane = p->in_plane;
    int64_t rel[PL_MAXR];
    const int Rin = pl_interior_row_offsets(p, rel), inner = Rin > 0;
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * in_plane;
        for (int64_t od = 0; od < odn; od++) {
            const int dinner = inner && od >= ad->interior_begin && od < ad->interior_end;
            for (int64_t oh = 0; oh < ohn; oh++) {
                float *o = dst + item * p->out_plane + (od * ohn + oh) * own;
                int redo = 1;
                if (dinner && oh >= ah->interior_begin && oh < ah->interior_end) {
                    const int64_t base =
                        (sp_window_start(ad, od) * ah->in + sp_window_start(ah, oh)) * w;
                    PL_VFIRST_ROW(redo, plane + base, rel, Rin, in_plane - base - rel[Rin - 1]);
                } else {
                    const pl_rows r = pl_rows_of(p, od, oh);
                    if (r.count > 0 && r.count <= PL_MAXR) {
                        /* all set below, R of them; GCC cannot tell for the first few */
                        int64_t offs[PL_MAXR];
                        offs[0] = offs[1] = offs[2] = 0;
                        int R = 0;
                        PL_FOR_ROWS(&r, off, offs[R++] = off);
                        PL_VFIRST_ROW(redo, plane, offs, R, in_plane - offs[R - 1]);
                    }
                }
                if (__builtin_expect(redo, 0)) {
                    const pl_rows r = pl_rows_of(p, od, oh);
                    pl_max_row(p, plane, &r, 0, own, o, NULL);
                }
            }
        }
    }
}
#undef PL_VFIRST_ROW

/* One function per shape, so each gets its own registers. */
#define PL_VFIRST_FN(S_, K_)                                                                   \
    static __attribute__((noinline)) void pl_max_vfirst_s##S_##k##K_(                          \
        const sp_problem *p, const float *src, float *dst, int64_t begin, int64_t end)         \
    {                                                                                          \
        pl_max_planes_vfirst(p, src, dst, begin, end, S_, K_);                                 \
    }
PL_VFIRST_FN(2, 3)
PL_VFIRST_FN(2, 2)
PL_VFIRST_FN(1, 3)
PL_VFIRST_FN(1, 2)
#undef PL_VFIRST_FN

/* All rows of planes [begin, end) for one shape (S/KW/DW constants in the
 * common instances): the shape is chosen once per call, not per row. Output
 * rows whose windows lie inside the plane in D and H (most of them) take
 * their valid rows' offsets relative to the first, computed once here:
 * rows are short in the common cases (AlexNet's 27 outputs, 3D U-Net's 14),
 * and pl_rows_of cost as much as their vector work. */
PL_INLINE void pl_max_planes(const sp_problem *p, const float *src, float *dst,
                             int64_t *indices, int64_t begin, int64_t end, const int64_t S,
                             const int64_t KW, const int64_t DW, const int want_idx)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H];
    const int64_t odn = ad->out, ohn = ah->out, own = p->axis[SP_W].out, w = p->axis[SP_W].in;
    int64_t rel[PL_MAXR];
    const int Rin = pl_interior_row_offsets(p, rel), inner = Rin > 0;
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * p->in_plane;
        for (int64_t od = 0; od < odn; od++) {
            const int dinner = inner && od >= ad->interior_begin && od < ad->interior_end;
            for (int64_t oh = 0; oh < ohn; oh++) {
                const int64_t o = item * p->out_plane + (od * ohn + oh) * own;
                int64_t *oi = want_idx ? indices + o : NULL;
                /* all set below, R of them; GCC cannot tell for the first few */
                int64_t offs[PL_MAXR];
                offs[0] = offs[1] = offs[2] = offs[3] = 0;
                int R = 0;
                const pl_rows *rp = NULL;
                pl_rows r;
                if (dinner && oh >= ah->interior_begin && oh < ah->interior_end) {
                    const int64_t base =
                        (sp_window_start(ad, od) * ah->in + sp_window_start(ah, oh)) * w;
                    for (; R < Rin; R++) offs[R] = base + rel[R];
                } else {
                    r = pl_rows_of(p, od, oh);
                    rp = &r;
                    if (r.count == 0 || r.count > PL_MAXR) {
                        pl_max_row(p, plane, &r, 0, own, dst + o, oi);
                        continue;
                    }
                    PL_FOR_ROWS(&r, off, offs[R++] = off);
                }
#define PL_ROW_R(R_)                                                                           \
    pl_max_row_rows(p, plane, rp, od, oh, offs, R_, 0, own, dst + o, oi, S, KW, DW, want_idx)
                if (R == 3)
                    PL_ROW_R(3);
                else if (R == 2)
                    PL_ROW_R(2);
                else if (R == 4)
                    PL_ROW_R(4);
                else
                    PL_ROW_R(R);
#undef PL_ROW_R
            }
        }
    }
}

#define PL_PLANES(S_, K_, D_)                                                                  \
    (indices ? pl_max_planes(p, src, dst, indices, begin, end, S_, K_, D_, 1)                  \
             : pl_max_planes(p, src, dst, indices, begin, end, S_, K_, D_, 0))

simdpool_status PL_NAME(sp_f32_maxpool_fwd_nchw)(const sp_problem *p, const float *src, float *dst,
                                           int64_t *indices, int64_t begin, int64_t end)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
    if (!indices && pl_vfirst_shape(S, K, D, aw->pad_begin)) {
        if (S == 2)
            (K == 3 ? pl_max_vfirst_s2k3 : pl_max_vfirst_s2k2)(p, src, dst, begin, end);
        else
            (K == 3 ? pl_max_vfirst_s1k3 : pl_max_vfirst_s1k2)(p, src, dst, begin, end);
        return SIMDPOOL_OK;
    }
    if (indices && pl_flat_fits(p)) {
        const sp_axis *ah = &p->axis[SP_H];
        (K == 3 && ah->kernel == 3 && aw->pad_begin == 1 && ah->pad_begin == 1
             ? pl_max_flat_k3p1
             : pl_max_flat_any)(p, src, dst, indices, begin, end);
        return SIMDPOOL_OK;
    }
    if (indices && pl_hs_fits(p)) {
        (K == 3 && D == 1 ? pl_max_hshare_k3 : pl_max_hshare_any)(p, src, dst, indices, begin, end);
        return SIMDPOOL_OK;
    }
    if (S == 2 && D == 1 && K == 3)
        PL_PLANES(2, 3, 1);
    else if (S == 2 && D == 1 && K == 2)
        PL_PLANES(2, 2, 1);
    else if (S == 1 && D == 1 && K == 3)
        PL_PLANES(1, 3, 1);
    else if (S == 1)
        PL_PLANES(1, K, D);
    else if (S == 2 && D == 1)
        PL_PLANES(2, K, 1);
    else
        PL_PLANES(S, K, D);
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

/*
 * Max backward by gathering (dense W windows of stride 1 or 2): each
 * diff_src row is written once, a vector of positions at a time, as the sum
 * in output order of diff_dst over the outputs whose index names the lane's
 * position: the reference's adds in its order, from +0, so bit-identical,
 * with no clearing pass and no scattered read-modify-write.
 *
 * The output rows covering the current input row sit in a small stack ring:
 * their indices (checked against the windows, or recomputed from src)
 * narrowed to int32 and their diff_dst copied, both between guard entries
 * (index -1, gradient 0) so that every load of the gather is a whole vector.
 * Along W, position x is reached by at most J = ceil(kernel / stride)
 * outputs, floor((x + pad) / stride) - j for j < J: plain loads at stride 1,
 * loads spread over lane pairs at stride 2. A candidate whose window misses
 * x holds a tap of its own window, never x, so it needs no mask.
 */
#define PL_RING_ENTRIES 8192 /* per array: 32 KiB of indices, 32 KiB of gradients */
#define PL_RING_GUARD 16     /* entries before each ring row (>= PL_VL, >= J - 1) */
#define PL_RING_SLOTS 64

typedef struct pl_ring {
    int64_t rd, rh; /* powers of two >= the output rows along D, H that may
                     * cover one input row: slots by masks, not divisions */
    int64_t width;  /* entries per ring row: guard, OW outputs, guard */
    int64_t J;      /* outputs along W that may cover one input column */
} pl_ring;

/*
 * Where it pays (measured on Zen 4, AVX2 and AVX-512): windows that do not
 * overlap (extent <= stride on every axis, e.g. 2x2 stride 2), on rows long
 * enough to amortize the per-row work. Overlapping windows (3x3 stride 2 or
 * 1) cost about as much per output as the scalar scatter below, or more,
 * and short rows pay the ring's per-row bookkeeping, so those keep the scatter.
 */
static int pl_ring_plan(const sp_problem *p, pl_ring *g)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    if (aw->dilation != 1 || (aw->stride != 1 && aw->stride != 2) || aw->out > PL_BWD_TABLE ||
        ad->kernel * ah->kernel > PL_MAXR)
        return 0;
    if (ad->extent > ad->stride || ah->extent > ah->stride || aw->extent > aw->stride ||
        aw->in < 4 * PL_VL)
        return 0;
    g->rd = g->rh = 1;
    while (g->rd < (ad->extent - 1) / ad->stride + 1) g->rd *= 2;
    while (g->rh < (ah->extent - 1) / ah->stride + 1) g->rh *= 2;
    g->J = (aw->kernel - 1) / aw->stride + 1;
    /* a row's last vector loads PL_VL entries from floor((IW - 1 + pad) / stride) */
    int64_t right = (aw->in - 1 + aw->pad_begin) / aw->stride + PL_VL - aw->out;
    g->width = PL_RING_GUARD + aw->out + (right > 0 ? right : 0);
    return g->J - 1 <= PL_RING_GUARD && g->rd * g->rh <= PL_RING_SLOTS &&
           g->rd * g->rh * g->width <= PL_RING_ENTRIES;
}

/* PL_VL saved indices x, narrowed to int32, and ok: the lanes whose index
 * falls in one of the R valid rows (offsets offs) within its output's valid
 * columns [lo, lo + span): one unsigned compare per row, as span >= 0. The
 * valid rows lie in the plane, so beside a high half of 0 (inr) that is
 * the whole check. */
PL_INLINE pl_vi pl_idx_in_rows(const int64_t *x, const int32_t *lo, const int32_t *span,
                               const int32_t *offs, int R, pl_vm *inr, pl_vm *ok)
{
    const pl_vi xv = pl_load_idx_low(x, inr);
    const pl_vi rel0 = pl_isub(xv, pl_iloadu(lo));
    const pl_vi sp = pl_iloadu(span);
    pl_vm any = pl_mnone();
    for (int i = 0; i < R; i++) any = pl_mor(any, pl_iltu(pl_isub(rel0, pl_iset1(offs[i])), sp));
    *ok = any;
    return xv;
}

/* One output row r into its ring row (bi, bf): diff_dst dd copied, and the
 * indices x checked (each a valid tap of its window, -1 only for a window
 * without one; lo/span: each output's valid columns) and narrowed, or, with
 * x NULL, recomputed from plane. 0 when an index is bad. A short last vector
 * reads whole vectors of indices where the caller's array goes on (x_end),
 * and its lanes past the row are ignored; lo and span have PL_VL entries
 * past any row. */
static int pl_ring_fill(const sp_problem *p, const pl_rows *r, const int64_t *x,
                        const int64_t *x_end, const float *plane, const float *dd,
                        const int32_t *lo, const int32_t *span, int32_t *bi, float *bf)
{
    const int64_t own = p->axis[SP_W].out;
    int64_t ow = 0;
    for (; ow + PL_VL <= own; ow += PL_VL) pl_storeu(bf + ow, pl_loadu(dd + ow));
    if (ow < own) pl_storeu_m(bf + ow, pl_loadu_m(dd + ow, pl_first((int)(own - ow))), pl_first((int)(own - ow)));
    if (!x) {
        /* recomputed by the forward rules: valid by construction */
        float vals[PL_BLOCK];
        int64_t found[PL_BLOCK];
        for (int64_t ob = 0; ob < own; ob += PL_BLOCK) {
            const int64_t oe = own - ob < PL_BLOCK ? own : ob + PL_BLOCK;
            pl_max_row(p, plane, r, ob, oe, vals, found);
            for (ow = ob; ow < oe; ow++) bi[ow] = (int32_t)found[ow - ob];
        }
        return 1;
    }
    int32_t offs[PL_MAXR];
    int R = 0;
    PL_FOR_ROWS(r, off, offs[R++] = (int32_t)off);
    for (ow = 0; ow < own; ow += PL_VL) {
        const int64_t n = own - ow < PL_VL ? own - ow : PL_VL;
        if (x_end - x - ow >= PL_VL) {
            /* every lane's index in one valid row's [lo, lo + span) */
            pl_vm inr, ok;
            const pl_vi xv = pl_idx_in_rows(x + ow, lo + ow, span + ow, offs, R, &inr, &ok);
            const pl_vm row = pl_first((int)n);
            if (pl_mbits(pl_mand(pl_mand(ok, inr), row)) == pl_mbits(row)) {
                pl_istoreu(bi + ow, xv);
                continue;
            }
        }
        /* lane by lane: -1 (for windows without taps) or the slow check */
        for (int64_t l = ow; l < ow + n; l++) {
            const int64_t at = x[l];
            if (at == -1) {
                if (R > 0 && span[l] > 0) return 0;
                bi[l] = -1;
                continue;
            }
            if ((uint64_t)at >= (uint64_t)p->in_plane) return 0;
            int ok = 0;
            for (int i = 0; i < R; i++)
                ok |= (uint64_t)(at - offs[i] - lo[l]) < (uint64_t)span[l];
            if (!ok) return 0;
            bi[l] = (int32_t)at;
        }
    }
    return 1;
}

/* One diff_src row (spatial offset xrow, iwn positions) from the nr ring
 * rows covering it, in output order; S and J as constants where unrolled. */
PL_INLINE void pl_gather_row(float *drow, int64_t xrow, int64_t iwn, const int32_t *const *ri,
                             const float *const *rf, int nr, int64_t pb, const int64_t S,
                             const int64_t J)
{
    const pl_vi lanes = pl_ilanes();
    const pl_vi dup = pl_dup2_index((int)(pb & 1)); /* S == 2: iw0 is even */
    for (int64_t iw0 = 0; iw0 < iwn; iw0 += PL_VL) {
        const pl_vi x = pl_iadd(pl_iset1((int32_t)(xrow + iw0)), lanes);
        const int64_t top = (iw0 + pb) / S;
        pl_vf acc = pl_zero();
        for (int r = 0; r < nr; r++)
            for (int64_t j = J - 1; j >= 0; j--) {
                pl_vi b = pl_iloadu(ri[r] + top - j);
                pl_vf v = pl_loadu(rf[r] + top - j);
                if (S == 2) {
                    b = pl_idup2(b, dup);
                    v = pl_dup2(v, dup);
                }
                acc = pl_blend(pl_ieq(b, x), acc, pl_add(acc, v));
            }
        if (iw0 + PL_VL <= iwn)
            pl_storeu_out(drow + iw0, acc);
        else
            pl_storeu_m(drow + iw0, acc, pl_first((int)(iwn - iw0)));
    }
}

static simdpool_status pl_max_bwd_gather(const sp_problem *p, const float *diff_dst,
                                         const int64_t *indices, const float *src,
                                         float *diff_src, int64_t begin, int64_t end,
                                         const pl_ring *g, const int32_t *lo, const int32_t *span)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t ohn = ah->out, own = aw->out, S = aw->stride, J = g->J, pb = aw->pad_begin;
    const int64_t slots = g->rd * g->rh;
    int32_t ring_i[PL_RING_ENTRIES];
    float ring_f[PL_RING_ENTRIES];
    int64_t key[PL_RING_SLOTS];
    for (int64_t s = 0; s < slots; s++)
        for (int64_t e = 0; e < g->width; e++)
            if (e < PL_RING_GUARD || e >= PL_RING_GUARD + own) {
                ring_i[s * g->width + e] = -1;
                ring_f[s * g->width + e] = 0.0f;
            }
    /* Output rows without a valid D or H tap cover no input row, so never
     * enter the ring: their indices must all be -1. */
    int empty_rows = 0;
    for (int64_t od = 0; od < ad->out; od++) {
        int64_t f, e;
        sp_axis_valid_taps(ad, od, &f, &e);
        empty_rows |= f == e;
    }
    for (int64_t oh = 0; oh < ohn; oh++) {
        int64_t f, e;
        sp_axis_valid_taps(ah, oh, &f, &e);
        empty_rows |= f == e;
    }
    for (int64_t item = begin; item < end; item++) {
        const float *dd = diff_dst + item * p->out_plane;
        const int64_t *xi = indices ? indices + item * p->out_plane : NULL;
        const float *plane = src ? src + item * p->in_plane : NULL;
        float *ds = diff_src + item * p->in_plane;
        if (xi && empty_rows)
            for (int64_t od = 0; od < ad->out; od++)
                for (int64_t oh = 0; oh < ohn; oh++) {
                    if (pl_rows_of(p, od, oh).count) continue;
                    for (int64_t ow = 0; ow < own; ow++)
                        if (xi[(od * ohn + oh) * own + ow] != -1) return SIMDPOOL_ERR_BAD_INDEX;
                }
        for (int64_t s = 0; s < slots; s++) key[s] = -1;
        const int64_t *x_end = indices ? indices + end * p->out_plane : NULL;
        for (int64_t id = 0; id < ad->in; id++) {
            int64_t dlo, dhi;
            sp_axis_covering(ad, id, &dlo, &dhi);
            sp_cover_iter hi_;
            sp_cover_init(ah, &hi_);
            for (int64_t ih = 0; ih < ah->in; ih++, sp_cover_next(ah, &hi_)) {
                const int64_t hlo = hi_.lo, hhi = hi_.hi;
                /* The covering output rows, in output order, into the ring. */
                const int32_t *ri[PL_RING_SLOTS];
                const float *rf[PL_RING_SLOTS];
                int nr = 0;
                for (int64_t od = dlo; od <= dhi; od++) {
                    if (!sp_axis_covers(ad, id, od)) continue;
                    for (int64_t oh = hlo; oh <= hhi; oh++) {
                        if (!sp_axis_covers(ah, ih, oh)) continue;
                        const int64_t s = (od & (g->rd - 1)) * g->rh + (oh & (g->rh - 1)), k = od * ohn + oh;
                        int32_t *bi = ring_i + s * g->width + PL_RING_GUARD;
                        float *bf = ring_f + s * g->width + PL_RING_GUARD;
                        if (key[s] != k) {
                            key[s] = k;
                            pl_rows r = pl_rows_of(p, od, oh);
                            if (!pl_ring_fill(p, &r, xi ? xi + k * own : NULL, x_end, plane,
                                              dd + k * own, lo, span, bi, bf))
                                return SIMDPOOL_ERR_BAD_INDEX;
                        }
                        ri[nr] = bi;
                        rf[nr++] = bf;
                    }
                }
                float *drow = ds + (id * ah->in + ih) * aw->in;
                const int64_t xrow = (id * ah->in + ih) * aw->in;
                if (S == 2 && J == 1)
                    pl_gather_row(drow, xrow, aw->in, ri, rf, nr, pb, 2, 1);
                else
                    pl_gather_row(drow, xrow, aw->in, ri, rf, nr, pb, S, J);
            }
        }
    }
    return SIMDPOOL_OK;
}

/* One output row's scatter from its saved indices x (R valid rows at offs,
 * R a constant where unrolled), each index checked against its window first;
 * 0 when one is bad. Vectors: every lane's index must fall in one valid
 * row's [lo, lo + span); if all do, add without further checks, else the
 * lane-by-lane check decides. A row's short last vector is checked the same
 * way, reading whole vectors where the caller's array goes on (lanes past
 * the row ignored): rows of less than two vectors (28, 55 wide) would
 * otherwise leave most of a row to the lane-by-lane check at AVX-512's 16
 * lanes. */
PL_INLINE int pl_scatter_row(float *ds, const float *dd, const int64_t *x, const int64_t *x_end,
                             int64_t own, int64_t in_plane, const int32_t *lo,
                             const int32_t *span, const int32_t *offs, const int R)
{
    int64_t ow = 0;
    for (; ow < own && x_end - (x + ow) >= PL_VL; ow += PL_VL) {
        const int n = own - ow < PL_VL ? (int)(own - ow) : PL_VL;
        const pl_vm row = pl_first(n);
        pl_vm inr, ok;
        pl_idx_in_rows(x + ow, lo + ow, span + ow, offs, R, &inr, &ok);
        if (pl_mbits(pl_mand(pl_mand(ok, inr), row)) != pl_mbits(row)) break;
        if (n == PL_VL)
            for (int l = 0; l < PL_VL; l++) ds[x[ow + l]] += dd[ow + l];
        else
            for (int l = 0; l < n; l++) ds[x[ow + l]] += dd[ow + l];
    }
    for (; ow < own; ow++) {
        const int64_t at = x[ow];
        if (at == -1) {
            /* only a window without valid taps may have none */
            if (R > 0 && span[ow] > 0) return 0;
            continue;
        }
        if ((uint64_t)at >= (uint64_t)in_plane) return 0;
        int ok = 0;
        for (int i = 0; i < R; i++) ok |= (uint64_t)(at - offs[i] - lo[ow]) < (uint64_t)span[ow];
        if (!ok) return 0;
        ds[at] += dd[ow];
    }
    return 1;
}

static int pl_scatter_row_any(float *ds, const float *dd, const int64_t *x, const int64_t *x_end,
                              int64_t own, int64_t in_plane, const int32_t *lo,
                              const int32_t *span, const int32_t *offs, int R)
{
    switch (R) {
    case 1: return pl_scatter_row(ds, dd, x, x_end, own, in_plane, lo, span, offs, 1);
    case 2: return pl_scatter_row(ds, dd, x, x_end, own, in_plane, lo, span, offs, 2);
    case 3: return pl_scatter_row(ds, dd, x, x_end, own, in_plane, lo, span, offs, 3);
    default: return pl_scatter_row(ds, dd, x, x_end, own, in_plane, lo, span, offs, R);
    }
}

/* Every output row's valid input rows, once per call rather than per row
 * of every plane (small planes, e.g. 28x28, paid as much for that as for
 * their scatter): PL_BWD_ROWS output rows, PL_BWD_ROW_OFFS offsets. */
#define PL_BWD_ROWS 1024
#define PL_BWD_ROW_OFFS 4096

/* Max backward: gathering where the ring takes the problem (above); else
 * the plane is zeroed, then every output adds its gradient at its index (from `indices`, or recomputed by the forward kernel's row code
 * into a stack block), each index checked against its window first. */
simdpool_status PL_NAME(sp_f32_maxpool_bwd_nchw)(const sp_problem *p, const float *diff_dst,
                                           const int64_t *indices, const float *src,
                                           float *diff_src, int64_t begin, int64_t end)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = aw->out;
    float vals[PL_BLOCK];
    int64_t found[PL_BLOCK];
    /* Dense W taps: each output's valid columns [lo, hi) from a per-call
     * table, so an index is checked with a subtraction and an unsigned
     * compare per valid row, without division. */
    const int table = aw->dilation == 1 && own <= PL_BWD_TABLE;
    int32_t lo[PL_BWD_TABLE + PL_VL], span[PL_BWD_TABLE + PL_VL];
    if (table)
        for (int64_t ow = 0; ow < own; ow++) {
            int64_t f, e, start = sp_window_start(aw, ow);
            sp_axis_valid_taps(aw, ow, &f, &e);
            lo[ow] = (int32_t)(start + f);
            span[ow] = (int32_t)(e - f);
        }
    for (int64_t ow = own; table && ow < own + PL_VL; ow++) lo[ow] = span[ow] = 0;
    pl_ring ring;
    if (table && pl_ring_plan(p, &ring))
        return pl_max_bwd_gather(p, diff_dst, indices, src, diff_src, begin, end, &ring, lo, span);
    int32_t row_offs[PL_BWD_ROW_OFFS], row_first[PL_BWD_ROWS + 1];
    int rows_tabled = indices && table && odn * ohn <= PL_BWD_ROWS;
    for (int64_t k = 0, used = 0; rows_tabled && k < odn * ohn; k++) {
        pl_rows r = pl_rows_of(p, k / ohn, k % ohn);
        rows_tabled = r.count <= PL_MAXR && used + r.count <= PL_BWD_ROW_OFFS;
        row_first[k] = (int32_t)used;
        PL_FOR_ROWS(&r, off, if (rows_tabled) row_offs[used++] = (int32_t)off);
        row_first[k + 1] = (int32_t)used;
    }
    const int64_t *x_end = indices ? indices + end * p->out_plane : NULL;
    for (int64_t item = begin; item < end; item++) {
        float *ds = diff_src + item * p->in_plane;
        pl_zero_floats(ds, p->in_plane);
        if (rows_tabled) {
            for (int64_t k = 0; k < odn * ohn; k++) {
                const int64_t o = item * p->out_plane + k * own;
                if (!pl_scatter_row_any(ds, diff_dst + o, indices + o, x_end, own, p->in_plane, lo,
                                        span, row_offs + row_first[k],
                                        row_first[k + 1] - row_first[k]))
                    return SIMDPOOL_ERR_BAD_INDEX;
            }
            continue;
        }
        for (int64_t od = 0; od < odn; od++)
            for (int64_t oh = 0; oh < ohn; oh++) {
                pl_rows r = pl_rows_of(p, od, oh);
                const int64_t o = item * p->out_plane + (od * ohn + oh) * own;
                const float *dd = diff_dst + o;
                if (indices && table && r.count <= PL_MAXR) {
                    int32_t offs[PL_MAXR];
                    int R = 0;
                    PL_FOR_ROWS(&r, off, offs[R++] = (int32_t)off);
                    if (!pl_scatter_row_any(ds, dd, indices + o, x_end, own, p->in_plane, lo, span,
                                            offs, R))
                        return SIMDPOOL_ERR_BAD_INDEX;
                    continue;
                }
                for (int64_t ob = 0; ob < own; ob += PL_BLOCK) {
                    int64_t oe = own - ob < PL_BLOCK ? own : ob + PL_BLOCK;
                    const int64_t *x;
                    if (indices) {
                        x = indices + o + ob;
                    } else {
                        /* recomputed by the forward rules: valid by construction */
                        pl_max_row(p, src + item * p->in_plane, &r, ob, oe, vals, found);
                        for (int64_t ow = ob; ow < oe; ow++)
                            if (found[ow - ob] >= 0) ds[found[ow - ob]] += dd[ow];
                        continue;
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
