/*
 * The channels-first (planar) pooling kernels, written once against the small
 * vector API of kernels/avx2/planar.h or kernels/avx512/planar.h (PL_VL lanes)
 * and compiled once per ISA: kernels/<isa>/maxpool_nchw.c and avgpool_nchw.c
 * include the ISA's planar.h, then this file.
 *
 * Work unit: one (n, c) plane (SP_WORK_PLANES), so any partition of the
 * planes gives the same bits. Every problem is 3D (unit outer dims). Outputs
 * are computed one output row (od, oh) at a time, PL_VL outputs along W per
 * vector ("chunk"). Each W row splits at the axis's interior range:
 *  - interior chunks, where every W tap is inside the input, take the fast
 *    path: each tap is one contiguous load (stride 1), two loads and an
 *    even/odd permute (stride 2, dense taps) or a gather (other strides);
 *  - border chunks (and the rare fix-ups) take the exact path: per-lane tap
 *    validity masks, masked gathers, and SEMANTICS.md's max rule applied
 *    literally (compare and blend per tap, in scan order).
 * Tails are masked loads/stores: nothing outside the caller's buffers is
 * touched. Lane positions and indices are int32: the picker only sends
 * planes of fewer than 2^31 elements here.
 */
#ifndef SIMDPOOL_PLANAR_COMMON_H
#define SIMDPOOL_PLANAR_COMMON_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "problem.h"

/* Rows are read a few at a time, chunk by chunk, which the hardware
 * prefetchers follow poorly once the tensor leaves the caches: prefetch each
 * row's stream this many floats ahead (a prefetch never faults). */
#define PL_PREFETCH_AHEAD 384
#define PL_PREFETCH(ptr) __builtin_prefetch((ptr), 0, 3)

/* Runs CASES(S, K, D) with the W shapes the templates unroll (3/2, 2/2, 3/1
 * dense; any stride 1; dense stride 2) as compile-time constants, so each
 * gets its own specialized loop; anything else runs the general one. */
#define PL_FOR_W_SHAPE(CASES, S, K, D)                                                         \
    do {                                                                                       \
        if ((S) == 2 && (D) == 1 && (K) == 3)                                                  \
            CASES(2, 3, 1);                                                                    \
        else if ((S) == 2 && (D) == 1 && (K) == 2)                                             \
            CASES(2, 2, 1);                                                                    \
        else if ((S) == 1 && (D) == 1 && (K) == 3)                                             \
            CASES(1, 3, 1);                                                                    \
        else if ((S) == 1)                                                                     \
            CASES(1, K, D);                                                                    \
        else if ((S) == 2 && (D) == 1)                                                         \
            CASES(2, K, 1);                                                                    \
        else                                                                                   \
            CASES(S, K, D);                                                                    \
    } while (0)

/* The valid input rows of one output row (od, oh): D taps [d0, d1) times H
 * taps [h0, h1), visited in scan order. `padded` is the include-padding
 * divisor factor of D and H. */
typedef struct pl_rows {
    int64_t d0, d1, h0, h1;
    int64_t id0, ih0; /* input coordinates of taps d0 and h0 */
    int64_t dd, dh;   /* dilations */
    int64_t ih, iw;   /* input extents H and W */
    int64_t count, padded;
    int64_t base, step_d, step_h; /* offset of the first valid row, and steps */
} pl_rows;

/* sp_axis_valid_taps without its divisions for interior outputs. */
static inline void pl_valid_taps(const sp_axis *a, int64_t o, int64_t *first, int64_t *last)
{
    if (o >= a->interior_begin && o < a->interior_end) {
        *first = 0;
        *last = a->kernel;
    } else {
        sp_axis_valid_taps(a, o, first, last);
    }
}
static inline int64_t pl_padded_taps(const sp_axis *a, int64_t o)
{
    if (o >= a->interior_begin && o < a->interior_end && a->pad_end >= 0) return a->kernel;
    return sp_axis_padded_taps(a, o);
}

static inline pl_rows pl_rows_of(const sp_problem *p, int64_t od, int64_t oh)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H];
    pl_rows r;
    pl_valid_taps(ad, od, &r.d0, &r.d1);
    pl_valid_taps(ah, oh, &r.h0, &r.h1);
    r.id0 = sp_window_start(ad, od) + r.d0 * ad->dilation;
    r.ih0 = sp_window_start(ah, oh) + r.h0 * ah->dilation;
    r.dd = ad->dilation;
    r.dh = ah->dilation;
    r.ih = ah->in;
    r.iw = p->axis[SP_W].in;
    r.count = (r.d1 - r.d0) * (r.h1 - r.h0);
    r.base = (r.id0 * r.ih + r.ih0) * r.iw;
    r.step_d = r.dd * r.ih * r.iw;
    r.step_h = r.dh * r.iw;
    r.padded = pl_padded_taps(ad, od) * pl_padded_taps(ah, oh);
    return r;
}

/* Visits the valid rows in scan order, `off` each one's offset in the plane. */
#define PL_FOR_ROWS(r, off, ...)                                                  \
    for (int64_t jd_ = (r)->d0, offd_ = (r)->base; jd_ < (r)->d1;                 \
         jd_++, offd_ += (r)->step_d)                                             \
        for (int64_t jh_ = (r)->h0, offh_ = offd_; jh_ < (r)->h1;                 \
             jh_++, offh_ += (r)->step_h) {                                       \
            const int64_t off = offh_;                                            \
            __VA_ARGS__;                                                          \
        }

/* W taps that are valid for at least one of outputs [ow0, ow0 + n): the
 * first valid tap falls and the last rises with ow, so the union is the last
 * lane's first to the first lane's last. */
static inline void pl_tap_union(const sp_axis *aw, int64_t ow0, int n, int64_t *lo, int64_t *hi)
{
    int64_t f0, l0, f1, l1;
    sp_axis_valid_taps(aw, ow0, &f0, &l0);
    sp_axis_valid_taps(aw, ow0 + n - 1, &f1, &l1);
    *lo = f1;
    *hi = l0;
}

/* The tap vector of outputs [ow0, ow0+n) whose lane 0 reads t[0] and lane l
 * reads t[l*S]. `pair` (stride 2): also return the odd elements (the next
 * dense tap), reading one element more. */
PL_INLINE pl_vf pl_tap(const float *t, int n, int64_t S, pl_vi step, pl_vm act)
{
    if (S == 1) return n == PL_VL ? pl_loadu(t) : pl_loadu_m(t, act);
    if (S == 2) {
        /* elements t[0 .. 2n-2]: the second vector never reads t[2n-1] */
        int need = 2 * n - 1;
        pl_vf a = need >= PL_VL ? pl_loadu(t) : pl_loadu_m(t, pl_first(need));
        pl_vf b = need > PL_VL ? pl_loadu_m(t + PL_VL, pl_first(need - PL_VL)) : pl_zero();
        return pl_even(a, b);
    }
    return pl_gather_m(pl_zero(), act, t, step);
}

/* Border chunks: the tap vector of outputs [ow0, ow0 + n) whose lane 0 reads
 * row[b] and lane l row[b + l*S], with positions outside [0, w) (padding)
 * read as `fill` and never touched: masked loads need no valid address for
 * masked-off lanes, so the pointer is formed as an integer. */
PL_INLINE pl_vf pl_tap_fill(const float *row, int64_t b, int64_t w, int n, int64_t S,
                            pl_vf fill)
{
    const float *t = (const float *)((uintptr_t)row + (uintptr_t)(b * (int64_t)sizeof(float)));
    if (S == 1) return pl_loadu_fill(t, pl_range(-b, n < w - b ? n : w - b), fill);
    if (S == 2) {
        int64_t need = 2 * n - 1, hi = need < w - b ? need : w - b;
        pl_vf a = pl_loadu_fill(t, pl_range(-b, hi), fill);
        pl_vf c = need > PL_VL
                      ? pl_loadu_fill(t + PL_VL, pl_range(-b - PL_VL, hi - PL_VL), fill)
                      : fill;
        return pl_even(a, c);
    }
    pl_vi pos = pl_iadd(pl_iset1((int32_t)b), pl_imul(pl_ilanes(), pl_iset1((int32_t)S)));
    pl_vm valid = pl_mand(pl_first(n), pl_mand(pl_ige(pos, pl_iset1(0)),
                                               pl_ilt(pos, pl_iset1((int32_t)w))));
    return pl_gather_m(fill, valid, row, pos);
}

/* The even and odd taps of t[0 .. 2n-1] (stride 2, dense: taps j and j+1). */
PL_INLINE void pl_tap_pair(const float *t, int n, pl_vf *even, pl_vf *odd)
{
    int need = 2 * n;
    pl_vf a = need >= PL_VL ? pl_loadu(t) : pl_loadu_m(t, pl_first(need));
    pl_vf b = need >= 2 * PL_VL ? pl_loadu(t + PL_VL)
              : need > PL_VL    ? pl_loadu_m(t + PL_VL, pl_first(need - PL_VL))
                                : pl_zero();
    *even = pl_even(a, b);
    *odd = pl_odd(a, b);
}

/* ---- backward -------------------------------------------------------------- */

#define PL_BLOCK 256 /* outputs per block of the on-stack scratch rows */

#endif
