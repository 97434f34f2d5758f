/*
 * Average pooling, channels-first, forward and backward: the template
 * compiled once per ISA by kernels/<isa>/avgpool_nchw.c (after that ISA's
 * planar.h). See planar_common.h for the plan of the kernels.
 */
#ifndef SIMDPOOL_PLANAR_AVG_TMPL_H
#define SIMDPOOL_PLANAR_AVG_TMPL_H

#include <string.h>

#include "nhwc_window.h"
#include "planar_common.h"

/* ---- average forward ------------------------------------------------------ */

/* The divisor of output (r, ow), -1 for a window without valid taps (it
 * averages to 0). */
static inline int64_t pl_avg_divisor(const sp_problem *p, const pl_rows *r, int64_t ow)
{
    const sp_axis *aw = &p->axis[SP_W];
    int64_t f, e;
    sp_axis_valid_taps(aw, ow, &f, &e);
    if (e == f || r->count == 0) return -1;
    if (p->divisor_override) return p->divisor_override;
    return p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? sp_axis_padded_taps(aw, ow) * r->padded
                                              : (e - f) * r->count;
}

/* Outputs [ow0, ow0 + n) with per-lane W tap counts: any window shape. */
static void pl_avg_chunk_exact(const sp_problem *p, const float *plane, const pl_rows *r,
                               int64_t ow0, int n, float *o)
{
    const sp_axis *aw = &p->axis[SP_W];
    const pl_vm act = pl_first(n);
    const pl_vi start = pl_iadd(pl_iset1((int32_t)(ow0 * aw->stride - aw->pad_begin)),
                                pl_imul(pl_ilanes(), pl_iset1((int32_t)aw->stride)));
    const pl_vi zero = pl_iset1(0), width = pl_iset1((int32_t)aw->in);
    int64_t jlo, jhi;
    pl_tap_union(aw, ow0, n, &jlo, &jhi);
    pl_vf sum = pl_zero();
    PL_FOR_ROWS(r, off, {
        for (int64_t jw = jlo; jw < jhi; jw++) {
            pl_vi pos = pl_iadd(start, pl_iset1((int32_t)(jw * aw->dilation)));
            pl_vm valid = pl_mand(act, pl_mand(pl_ige(pos, zero), pl_ilt(pos, width)));
            sum = pl_add(sum, pl_gather_m(pl_zero(), valid, plane + off, pos));
        }
    });
    /* divisors lane by lane: border chunks are few */
    float div[PL_VL], keep[PL_VL];
    for (int l = 0; l < PL_VL; l++) {
        int64_t d = pl_avg_divisor(p, r, ow0 + (l < n ? l : 0));
        keep[l] = d >= 0 ? 1.0f : 0.0f;
        div[l] = d >= 0 ? (float)d : 1.0f;
    }
    pl_vf res = pl_mul(pl_div(sum, pl_loadu(div)), pl_loadu(keep));
    if (n == PL_VL)
        pl_storeu_out(o, res);
    else
        pl_storeu_m(o, res, act);
}

/* Interior outputs: all W taps valid, one divisor for the whole row, so the
 * sum is scaled by its reciprocal (within SEMANTICS.md's tolerance). */
PL_INLINE void pl_avg_interior(const sp_problem *p, const float *plane, const pl_rows *r,
                               int64_t ib, int64_t ie, float scale, float *o, const int64_t S,
                               const int64_t KW, const int64_t DW)
{
    const sp_axis *aw = &p->axis[SP_W];
    const pl_vi step = pl_imul(pl_ilanes(), pl_iset1((int32_t)S));
    const pl_vf vscale = pl_set1(scale);
    for (int64_t ow = ib; ow < ie; ow += PL_VL) {
        int n = ie - ow < PL_VL ? (int)(ie - ow) : PL_VL;
        const pl_vm act = pl_first(n);
        const int64_t s0 = ow * S - aw->pad_begin;
        pl_vf sum0 = pl_zero(), sum1 = pl_zero();
        PL_FOR_ROWS(r, off, {
            const float *t = plane + off + s0;
            int64_t jw = 0;
            if (S == 2 && DW == 1) {
                for (; jw + 1 < KW; jw += 2) {
                    pl_vf e, d;
                    pl_tap_pair(t + jw, n, &e, &d);
                    sum0 = pl_add(sum0, e);
                    sum1 = pl_add(sum1, d);
                }
            }
            for (; jw < KW; jw++) sum1 = pl_add(sum1, pl_tap(t + jw * DW, n, S, step, act));
        });
        pl_vf res = pl_add(sum0, sum1);
        res = pl_mul(res, vscale);
        if (n == PL_VL)
            pl_storeu_out(o + ow, res);
        else
            pl_storeu_m(o + ow, res, act);
    }
}

/* The divisor of interior W outputs of a row (all KW taps valid in W). */
static inline int64_t pl_avg_interior_divisor(const sp_problem *p, const pl_rows *r)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (p->divisor_override) return p->divisor_override;
    return aw->kernel * (p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? r->padded : r->count);
}

/* Per-lane divisors of outputs [ow0, ow0 + n) as floats, and the lanes whose
 * window has a valid tap (the others average to 0). Dense W taps: counts by
 * min/max of the window's ends; dilated: lane by lane. */
PL_INLINE pl_vf pl_avg_divisors(const sp_problem *p, const pl_rows *r, int64_t ow0, int n,
                                pl_vm *keep)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (aw->dilation == 1) {
        const pl_vi b = pl_iadd(pl_imul(pl_ilanes(), pl_iset1((int32_t)aw->stride)),
                                pl_iset1((int32_t)(ow0 * aw->stride - aw->pad_begin)));
        const pl_vi kend = pl_iadd(b, pl_iset1((int32_t)aw->kernel)), zero = pl_iset1(0);
        pl_vi valid = pl_imax(pl_iadd(pl_imin(kend, pl_iset1((int32_t)aw->in)),
                                      pl_imul(pl_imax(b, zero), pl_iset1(-1))),
                              zero);
        *keep = pl_mand(pl_first(n), pl_ilt(zero, valid));
        if (r->count == 0) *keep = pl_mnone();
        if (p->divisor_override) return pl_set1((float)p->divisor_override);
        if (p->alg == SIMDPOOL_AVG_INCLUDE_PAD) {
            pl_vi padded = pl_imax(pl_iadd(pl_imin(kend, pl_iset1((int32_t)sp_axis_padded_end(aw))),
                                           pl_imul(b, pl_iset1(-1))),
                                   zero);
            return pl_mul(pl_cvt_i(padded), pl_set1((float)r->padded));
        }
        return pl_mul(pl_cvt_i(valid), pl_set1((float)r->count));
    }
    float div[PL_VL];
    int32_t k[PL_VL];
    for (int l = 0; l < PL_VL; l++) {
        int64_t d = l < n ? pl_avg_divisor(p, r, ow0 + l) : -1;
        k[l] = d >= 0 ? 1 : 0;
        div[l] = d >= 0 ? (float)d : 1.0f;
    }
    *keep = pl_ilt(pl_iset1(0), pl_iloadu(k));
    return pl_loadu(div);
}

/* A row of outputs [ob, oe) over R valid rows at `offs`: full interior
 * vectors sum plain loads (stride 2: the even/odd split, and tap 2 shifted
 * in) and scale by the row's one reciprocal; every other chunk sums masked
 * loads with padding read as 0 and divides by per-lane divisors. */
PL_INLINE void pl_avg_row_rows(const sp_problem *p, const float *plane, const pl_rows *r,
                               const int64_t *offs, const int R, int64_t ob, int64_t oe,
                               float *o, const int64_t S, const int64_t KW, const int64_t DW)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t ib = aw->interior_begin, ie = aw->interior_end, pb = aw->pad_begin;
    const int64_t w = aw->in;
    const pl_vf scale = pl_set1(1.0f / (float)pl_avg_interior_divisor(p, r));
    const pl_vi step = pl_imul(pl_ilanes(), pl_iset1((int32_t)S));
    int64_t ow = ob;
    while (ow < oe) {
        float *oo = o + (ow - ob);
        if (ow >= ib && ow + PL_VL <= ie && ow + PL_VL <= oe) {
            const int64_t s0 = ow * S - pb;
            pl_vf s_a = pl_zero(), s_b = pl_zero();
            for (int i = 0; i < R; i++) {
                const float *t = plane + offs[i] + s0;
                if (S == 2 && DW == 1 && (KW == 2 || KW == 3)) {
                    pl_vf a = pl_loadu(t), c = pl_loadu(t + PL_VL);
                    pl_vf e = pl_even(a, c);
                    s_a = pl_add(s_a, e);
                    s_b = pl_add(s_b, pl_odd(a, c));
                    if (KW == 3) s_a = pl_add(s_a, pl_shift_in(e, t[2 * PL_VL]));
                } else if (S == 1 && DW == 1 && KW == 3) {
                    s_a = pl_add(s_a, pl_loadu(t));
                    s_b = pl_add(s_b, pl_loadu(t + 1));
                    s_a = pl_add(s_a, pl_loadu(t + 2));
                } else {
                    for (int64_t jw = 0; jw < KW; jw++) {
                        pl_vf v = pl_tap(t + jw * DW, PL_VL, S, step, pl_first(PL_VL));
                        if (jw & 1)
                            s_b = pl_add(s_b, v);
                        else
                            s_a = pl_add(s_a, v);
                    }
                }
            }
            pl_storeu_out(oo, pl_mul(pl_add(s_a, s_b), scale));
            ow += PL_VL;
            continue;
        }
        int n = oe - ow < PL_VL ? (int)(oe - ow) : PL_VL;
        const int64_t b0 = ow * S - pb;
        int64_t jlo = 0, jhi = KW;
        if (KW > 8) pl_tap_union(aw, ow, n, &jlo, &jhi);
        pl_vf sum = pl_zero();
        for (int i = 0; i < R; i++)
            for (int64_t jw = jlo; jw < jhi; jw++)
                sum = pl_add(sum, pl_tap_fill(plane + offs[i], b0 + jw * DW, w, n, S, pl_zero()));
        pl_vm keep;
        pl_vf div = pl_avg_divisors(p, r, ow, n, &keep);
        pl_storeu_m(oo, pl_blend(keep, pl_zero(), pl_div(sum, div)), pl_first(n));
        ow += n;
    }
}

#define PL_AVG_CASES(S_, K_, D_)                                                               \
    do {                                                                                       \
        if (R == 3)                                                                            \
            pl_avg_row_rows(p, plane, r, offs, 3, 0, aw->out, o, S_, K_, D_);                  \
        else if (R == 2)                                                                       \
            pl_avg_row_rows(p, plane, r, offs, 2, 0, aw->out, o, S_, K_, D_);                  \
        else                                                                                   \
            pl_avg_row_rows(p, plane, r, offs, R, 0, aw->out, o, S_, K_, D_);                  \
    } while (0)

#define PL_AVG_MAXR 16

static void pl_avg_row(const sp_problem *p, const float *plane, const pl_rows *r, float *o)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t ow_n = aw->out;
    if (r->count == 0) {
        pl_zero_floats(o, ow_n);
        return;
    }
    if (r->count <= PL_AVG_MAXR) {
        int64_t offs[PL_AVG_MAXR];
        int R = 0;
        PL_FOR_ROWS(r, off, offs[R++] = off);
        const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
        PL_FOR_W_SHAPE(PL_AVG_CASES, S, K, D);
        return;
    }
    int64_t ib = aw->interior_begin, ie = aw->interior_end;
    for (int64_t ow = 0; ow < ib; ow += PL_VL)
        pl_avg_chunk_exact(p, plane, r, ow, ib - ow < PL_VL ? (int)(ib - ow) : PL_VL, o + ow);
    if (ie > ib) {
        const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
        const float scale = 1.0f / (float)pl_avg_interior_divisor(p, r);
#define PL_AVG_INTERIOR(S_, K_, D_) pl_avg_interior(p, plane, r, ib, ie, scale, o, S_, K_, D_)
        PL_FOR_W_SHAPE(PL_AVG_INTERIOR, S, K, D);
#undef PL_AVG_INTERIOR
    }
    for (int64_t ow = ie; ow < ow_n; ow += PL_VL)
        pl_avg_chunk_exact(p, plane, r, ow, ow_n - ow < PL_VL ? (int)(ow_n - ow) : PL_VL, o + ow);
}

/* ---- average forward, separable ------------------------------------------ */

/* The sum over a window is separable: per output row, the valid input rows
 * are first added into a row buffer that holds the padding as zeros, then
 * each output sums its W taps from that buffer with no mask and no branch.
 * The divisor is separable too (W factor per column from a table made once
 * per call, D*H factor per row). Needs the buffers on the stack: rows up to
 * PL_SEP_MAX floats. */
#define PL_SEP_MAX 4096

/* Padded-row length the horizontal pass may read (whole vectors, stride-2
 * pairs and the element shifted in), or 0 if it is too long. */
static inline int64_t pl_sep_len(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    int64_t chunks = (aw->out + PL_VL - 1) / PL_VL;
    int64_t reach = (chunks * PL_VL - 1) * aw->stride + (aw->kernel - 1) * aw->dilation + 1;
    int64_t need = reach + 2 * PL_VL + 1;
    int64_t in = aw->pad_begin + aw->in + PL_VL;
    if (need < in) need = in;
    return need <= PL_SEP_MAX && aw->out <= PL_SEP_MAX ? need : 0;
}

/* The rows of a plane are read a few at a time, and each output row's new
 * ones are a short stretch (S_H rows) that the hardware prefetchers barely
 * start on before the next one: the separable row passes prefetch instead the
 * new rows of the output row after next, `ahead` = the row past the last one
 * read plus S_H rows, `rate` = S_H floats of it per float of a row read, so it
 * is done by the end of the row. On the 19 MB 300x500 3x3/2 average that
 * ran 1.7x (AVX-512) and 2.5x (AVX2) faster than prefetching each row's own
 * stream. */
PL_INLINE const float *pl_sep_ahead(const float *plane, const int64_t *offs, const int R,
                                    int64_t iw, int64_t rate)
{
    return plane + offs[R - 1] + (rate + 1) * iw;
}

/* Prefetches the lines of ahead[rate * x, rate * (x + n)). */
PL_INLINE void pl_sep_prefetch(const float *ahead, int64_t rate, int64_t x, const int n)
{
    for (int64_t l = 0; l < rate * n; l += 16) PL_PREFETCH(ahead + rate * x + l);
}

/* Vertical: the R valid rows' sum, into the buffer between its zeros. */
PL_INLINE void pl_avg_vert(const float *plane, const int64_t *offs, const int R, int64_t iw,
                           int64_t rate, float *v)
{
    const float *ahead = pl_sep_ahead(plane, offs, R, iw, rate);
    int64_t x = 0;
    for (; x + PL_VL <= iw; x += PL_VL) {
        pl_sep_prefetch(ahead, rate, x, PL_VL);
        pl_vf acc = pl_loadu(plane + offs[0] + x);
        for (int i = 1; i < R; i++) acc = pl_add(acc, pl_loadu(plane + offs[i] + x));
        pl_storeu(v + x, acc);
    }
    if (x < iw) {
        const pl_vm m = pl_first((int)(iw - x));
        pl_vf acc = pl_loadu_m(plane + offs[0] + x, m);
        for (int i = 1; i < R; i++) acc = pl_add(acc, pl_loadu_m(plane + offs[i] + x, m));
        pl_storeu_m(v + x, acc, m);
    }
}

/* Horizontal: whole vectors from the buffer; only the tail store is masked. */
PL_INLINE void pl_avg_horz(const float *vb, int64_t own, float rowf, const float *colf,
                           float *o, const int64_t S, const int64_t KW, const int64_t DW)
{
    const pl_vf rf = pl_set1(rowf);
    const pl_vi step = pl_imul(pl_ilanes(), pl_iset1((int32_t)S));
    for (int64_t ow = 0; ow < own; ow += PL_VL) {
        const float *t = vb + ow * S;
        pl_vf s_a, s_b = pl_zero();
        if (S == 2 && DW == 1 && (KW == 2 || KW == 3)) {
            pl_vf a = pl_loadu(t), c = pl_loadu(t + PL_VL);
            s_a = pl_even(a, c);
            s_b = pl_odd(a, c);
            if (KW == 3) s_b = pl_add(s_b, pl_shift_in(s_a, t[2 * PL_VL]));
        } else if (S == 1) {
            s_a = pl_loadu(t);
            for (int64_t jw = 1; jw < KW; jw++) {
                pl_vf u = pl_loadu(t + jw * DW);
                if (jw & 1)
                    s_b = pl_add(s_b, u);
                else
                    s_a = pl_add(s_a, u);
            }
        } else {
            s_a = pl_gather_m(pl_zero(), pl_first(PL_VL), t, step);
            for (int64_t jw = 1; jw < KW; jw++) {
                pl_vf u = pl_gather_m(pl_zero(), pl_first(PL_VL), t + jw * DW, step);
                if (jw & 1)
                    s_b = pl_add(s_b, u);
                else
                    s_a = pl_add(s_a, u);
            }
        }
        pl_vf res = pl_mul(pl_add(s_a, s_b), pl_mul(pl_loadu(colf + ow), rf));
        if (ow + PL_VL <= own)
            pl_storeu_out(o + ow, res);
        else
            pl_storeu_m(o + ow, res, pl_first((int)(own - ow)));
    }
}

/* 3 taps, stride 1, padding 1 (GoogLeNet's 3x3 s1 p1): the vertical sums stay
 * in registers and each output adds its left and right neighbours across
 * vectors, so nothing goes through the row buffer. Needs out <= in. */
PL_INLINE pl_vf pl_vsum(const float *plane, const int64_t *offs, const int R, int64_t x,
                        int64_t iw)
{
    if (x + PL_VL <= iw) {
        pl_vf acc = pl_loadu(plane + offs[0] + x);
        for (int i = 1; i < R; i++) acc = pl_add(acc, pl_loadu(plane + offs[i] + x));
        return acc;
    }
    if (x >= iw) return pl_zero();
    const pl_vm m = pl_first((int)(iw - x));
    pl_vf acc = pl_loadu_m(plane + offs[0] + x, m);
    for (int i = 1; i < R; i++) acc = pl_add(acc, pl_loadu_m(plane + offs[i] + x, m));
    return acc;
}

PL_INLINE void pl_avg_row_k3s1p1(const float *plane, const int64_t *offs, const int R,
                                 int64_t iw, int64_t own, int64_t rate, float rowf,
                                 const float *colf, float *o)
{
    const pl_vf rf = pl_set1(rowf);
    const float *ahead = pl_sep_ahead(plane, offs, R, iw, rate);
    pl_vf prev = pl_zero(), cur = pl_vsum(plane, offs, R, 0, iw);
    for (int64_t x = 0; x < own; x += PL_VL) {
        pl_sep_prefetch(ahead, rate, x, PL_VL);
        pl_vf next = pl_vsum(plane, offs, R, x + PL_VL, iw);
        pl_vf sum = pl_add(pl_add(pl_prev1(prev, cur), cur), pl_next1(cur, next));
        pl_vf res = pl_mul(sum, pl_mul(pl_loadu(colf + x), rf));
        if (x + PL_VL <= own)
            pl_storeu_out(o + x, res);
        else
            pl_storeu_m(o + x, res, pl_first((int)(own - x)));
        prev = cur;
        cur = next;
    }
}

/* 3 taps, stride 2 (VGG/GoogLeNet-style downsampling): the same in one
 * pass, no row buffer. A chunk of PL_VL outputs from ow0 reads the 2 * PL_VL
 * inputs from b = 2 * ow0 - pad_begin: the vertical sums of those, split into
 * even and odd elements, are taps 0 and 1; tap 2 is the even elements one
 * further on, the first of them the next chunk's first even element. */
PL_INLINE pl_vf pl_vsum_at(const float *plane, const int64_t *offs, const int R, int64_t x,
                           int64_t iw)
{
    if (x >= 0) return pl_vsum(plane, offs, R, x, iw);
    const pl_vm m = pl_range(-x, iw - x);
    pl_vf acc = pl_loadu_m(plane + offs[0] + x, m);
    for (int i = 1; i < R; i++) acc = pl_add(acc, pl_loadu_m(plane + offs[i] + x, m));
    return acc;
}

PL_INLINE void pl_avg_row_k3s2(const float *plane, const int64_t *offs, const int R, int64_t iw,
                               int64_t own, int64_t pb, int64_t rate, float rowf,
                               const float *colf, float *o)
{
    const pl_vf rf = pl_set1(rowf);
    const float *ahead = pl_sep_ahead(plane, offs, R, iw, rate);
    int64_t b = -pb;
    pl_vf a = pl_vsum_at(plane, offs, R, b, iw), c = pl_vsum_at(plane, offs, R, b + PL_VL, iw);
    pl_vf even = pl_even(a, c), odd = pl_odd(a, c);
    for (int64_t x = 0; x < own; x += PL_VL, b += 2 * PL_VL) {
        pl_sep_prefetch(ahead, rate, b + pb, 2 * PL_VL);
        pl_vf na = pl_vsum_at(plane, offs, R, b + 2 * PL_VL, iw);
        pl_vf nc = pl_vsum_at(plane, offs, R, b + 3 * PL_VL, iw);
        pl_vf next_even = pl_even(na, nc);
        pl_vf sum = pl_add(pl_add(even, odd), pl_next1(even, next_even));
        pl_vf res = pl_mul(sum, pl_mul(pl_loadu(colf + x), rf));
        if (x + PL_VL <= own)
            pl_storeu_out(o + x, res);
        else
            pl_storeu_m(o + x, res, pl_first((int)(own - x)));
        even = next_even;
        odd = pl_odd(na, nc);
    }
}

/* The W factor of each column's divisor, inverted; 0 for a column whose
 * windows have no valid W tap (they average to 0). Padded to whole vectors. */
static void pl_avg_col_factors(const sp_problem *p, float *colf)
{
    const sp_axis *aw = &p->axis[SP_W];
    int64_t n = (aw->out + PL_VL - 1) / PL_VL * PL_VL;
    for (int64_t ow = 0; ow < n; ow++) {
        int64_t f = 0, e = 0;
        if (ow < aw->out) sp_axis_valid_taps(aw, ow, &f, &e);
        int64_t d = p->divisor_override                    ? p->divisor_override
                    : p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? sp_axis_padded_taps(aw, ow)
                                                           : e - f;
        colf[ow] = e > f ? 1.0f / (float)d : 0.0f;
    }
}

/* The horizontal pass of the previous row runs after the vertical pass of
 * this one (two buffers): reading a row buffer right after writing it, at
 * other offsets, would stall every load on store forwarding. */
static void pl_avg_fwd_sep(const sp_problem *p, const float *src, float *dst, int64_t begin,
                           int64_t end, int64_t len)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = aw->out;
    float vb[2][PL_SEP_MAX], colf[PL_SEP_MAX + PL_VL];
    for (int64_t i = 0; i < len; i++) vb[0][i] = vb[1][i] = 0.0f;
    pl_avg_col_factors(p, colf);
    const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation, iw = aw->in;
    const int64_t pb = aw->pad_begin, sh = p->axis[SP_H].stride;
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * p->in_plane;
        float *pending = NULL; /* output row whose buffer waits for its horizontal pass */
        float pending_f = 0.0f;
        int cur = 0;
        for (int64_t row = 0, od = 0, oh = 0; row <= odn * ohn; row++) {
            float *o = NULL;
            float rowf = 0.0f;
            if (row < odn * ohn) {
                pl_rows rr = pl_rows_of(p, od, oh), *r = &rr;
                o = dst + item * p->out_plane + row * own;
                /* (no D*H padded tap: the product of factors could make 0 * inf) */
                if (r->count == 0 || r->count > PL_AVG_MAXR || r->padded == 0) {
                    pl_avg_row(p, plane, r, o);
                    o = NULL;
                } else {
                    int64_t offs[PL_AVG_MAXR];
                    int R = 0;
                    PL_FOR_ROWS(r, off, offs[R++] = off);
                    rowf = p->divisor_override                    ? 1.0f
                           : p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? 1.0f / (float)r->padded
                                                                  : 1.0f / (float)r->count;
                    if (S == 1 && K == 3 && D == 1 && pb == 1 && own <= iw) {
                        if (R == 3)
                            pl_avg_row_k3s1p1(plane, offs, 3, iw, own, sh, rowf, colf, o);
                        else
                            pl_avg_row_k3s1p1(plane, offs, R, iw, own, sh, rowf, colf, o);
                        o = NULL;
                        goto next_row;
                    }
                    if (S == 2 && K == 3 && D == 1) {
                        if (R == 3)
                            pl_avg_row_k3s2(plane, offs, 3, iw, own, pb, sh, rowf, colf, o);
                        else
                            pl_avg_row_k3s2(plane, offs, R, iw, own, pb, sh, rowf, colf, o);
                        o = NULL;
                        goto next_row;
                    }
                    float *v = vb[cur] + pb;
                    if (R == 3)
                        pl_avg_vert(plane, offs, 3, iw, sh, v);
                    else if (R == 2)
                        pl_avg_vert(plane, offs, 2, iw, sh, v);
                    else
                        pl_avg_vert(plane, offs, R, iw, sh, v);
                }
            }
            if (pending) {
                const float *b = vb[cur ^ 1];
                if (S == 1 && D == 1 && K == 3)
                    pl_avg_horz(b, own, pending_f, colf, pending, 1, 3, 1);
                else if (S == 2 && D == 1 && K == 3)
                    pl_avg_horz(b, own, pending_f, colf, pending, 2, 3, 1);
                else if (S == 2 && D == 1 && K == 2)
                    pl_avg_horz(b, own, pending_f, colf, pending, 2, 2, 1);
                else if (S == 1)
                    pl_avg_horz(b, own, pending_f, colf, pending, 1, K, D);
                else
                    pl_avg_horz(b, own, pending_f, colf, pending, S, K, D);
                pending = NULL;
            }
            if (o) {
                pending = o;
                pending_f = rowf;
                cur ^= 1;
            }
        next_row:
            if (++oh == ohn) oh = 0, od++;
        }
    }
}

/* ---- average forward, flat 3x3/1 planes ----------------------------------- */

/* 3 taps, stride 1, padding 1 along W and H (or H unit) on small planes
 * (Inception's 35x35, 17x17, 8x8): rows of a few vectors would pay the
 * per-row set-up of the paths above for little work, so the plane is run as
 * one flat array instead. Output i = h*W + w sums the vertical neighbours
 * i - W, i, i + W (masked loads at the top and bottom rows read the padding
 * as 0), then the left and right neighbours of that sum from the adjacent
 * vectors, each kept only where it is in the same row (column masks repeat
 * every W / gcd(W, PL_VL) vectors), times the reciprocal of its divisor from
 * a table made once per call. */
#define PL_FLAT_MAX 4096
#define PL_FLAT_PERIOD_MAX 128
#define PL_FLAT_MAX_W 256
#define PL_FLAT_BORDER_MAX (2 * (PL_FLAT_MAX_W / PL_VL + 2))

/* The vertical sum of KH (1 or 3) rows: `above`, `at` and `below`, each
 * times `scale` first when SCALED (the backward: its reference divides each
 * share before adding, and gradients near FLT_MAX / 9 must not overflow in a
 * sum the reference never forms). */
PL_INLINE pl_vf pl_flat_col(pl_vf above, pl_vf at, pl_vf below, pl_vf scale, const int KH,
                            const int SCALED)
{
    if (KH == 1) return SCALED ? pl_mul(at, scale) : at;
    if (SCALED) return pl_fma(below, scale, pl_fma(at, scale, pl_mul(above, scale)));
    return pl_add(pl_add(above, at), below);
}

/* The vertical sum at flat position x of a plane, rows w long, the rows
 * above, at and below x loaded under the masks m[0..2]. */
PL_INLINE pl_vf pl_flat_vsum_m(const float *plane, int64_t x, int64_t w, const pl_vm *m,
                               pl_vf scale, const int KH, const int SCALED)
{
    if (KH == 1) return pl_flat_col(pl_zero(), pl_loadu_m(plane + x, m[1]), pl_zero(), scale, 1, SCALED);
    return pl_flat_col(pl_loadu_m(plane + x - w, m[0]), pl_loadu_m(plane + x, m[1]),
                       pl_loadu_m(plane + x + w, m[2]), scale, KH, SCALED);
}

/* The plane's shape and the per-call tables of its flat pass. Vertical sums
 * at x in [vtop, vbot) read whole vectors; the others take their masks from
 * `border` (made once per call: every plane has the same borders). */
typedef struct pl_flat {
    int64_t n, w, vtop, vbot;
    int period;
    const float *recip;
    const pl_vm *left, *right, *border;
} pl_flat;

/* The vertical sum at any x (a multiple of PL_VL); 0 past the plane. */
PL_INLINE pl_vf pl_flat_vsum(const float *plane, int64_t x, const pl_flat *f, pl_vf scale,
                             const int KH, const int SCALED)
{
    if (x >= f->n) return pl_zero();
    if (x >= f->vtop && x < f->vbot) {
        if (KH == 1) return pl_flat_col(pl_zero(), pl_loadu(plane + x), pl_zero(), scale, 1, SCALED);
        return pl_flat_col(pl_loadu(plane + x - f->w), pl_loadu(plane + x),
                           pl_loadu(plane + x + f->w), scale, KH, SCALED);
    }
    int64_t k = x < f->vtop ? x / PL_VL : f->vtop / PL_VL + (x - f->vbot) / PL_VL;
    return pl_flat_vsum_m(plane, x, f->w, f->border + 3 * k, scale, KH, SCALED);
}

/* One output vector: its vertical sum `cur` plus the left and right
 * neighbours in the same row, over its divisor (`scale` when all are equal,
 * UNIFORM: one load less per vector; SCALED: already applied). */
PL_INLINE pl_vf pl_flat_out(pl_vf prev, pl_vf cur, pl_vf next, pl_vm left, pl_vm right,
                            const float *recip, pl_vf scale, const int UNIFORM, const int SCALED)
{
    pl_vf sum = pl_add_m(pl_add_m(cur, left, pl_prev1(prev, cur)), right, pl_next1(cur, next));
    if (SCALED) return sum;
    return pl_mul(sum, UNIFORM ? scale : pl_loadu(recip));
}

/* The vertical sums run AHEAD vectors in front of the output: the loads of
 * the row above then start past every pending store, which a destination
 * 4 KiB-aliased with the source (same offset in its page, the usual case
 * for two large buffers) would otherwise make the core hold back as a
 * possible dependency, vector after vector. q[0] is the previous vector,
 * q[1] the current one. */
#define PL_FLAT_AHEAD_MAX 4
PL_INLINE void pl_avg_flat_plane(const float *plane, float *o, const pl_flat *f, const int KH,
                                 const int AHEAD, const int UNIFORM, const int SCALED)
{
    const int64_t n = f->n, w = f->w, vbot = f->vbot;
    const int64_t lead = (AHEAD + 1) * PL_VL; /* from the output to the vector loaded */
    const int period = f->period;
    const float *recip = f->recip;
    const pl_vm *left = f->left, *right = f->right;
    const pl_vf scale = pl_set1(recip[0]);
    pl_vf q[PL_FLAT_AHEAD_MAX + 3];
    q[0] = pl_zero();
    for (int a = 1; a <= AHEAD + 1; a++)
        q[a] = pl_flat_vsum(plane, (a - 1) * PL_VL, f, scale, KH, SCALED);
    int j = 0;
    int64_t x = 0;
    /* The output at x from the queue, the queue moved on by one vector. */
#define PL_FLAT_STEP(STORE)                                                                     \
    do {                                                                                        \
        pl_vf res_ = pl_flat_out(q[0], q[1], q[2], left[j], right[j], recip + x, scale, UNIFORM, \
                                 SCALED);                                                       \
        STORE;                                                                                  \
        for (int a = 0; a < AHEAD + 2; a++) q[a] = q[a + 1];                                    \
        if (++j == period) j = 0;                                                               \
    } while (0)
#define PL_FLAT_STORE_ANY                                                                       \
    (x + PL_VL <= n ? pl_storeu_out(o + x, res_) : pl_storeu_m(o + x, res_, pl_first((int)(n - x))))
    for (; x + lead < f->vtop && x < n; x += PL_VL) {
        q[AHEAD + 2] = pl_flat_vsum(plane, x + lead, f, scale, KH, SCALED);
        PL_FLAT_STEP(PL_FLAT_STORE_ANY);
    }
    /* the middle: every row read is whole, every store a full vector */
    for (; x + lead < vbot; x += PL_VL) {
        const float *t = plane + x + lead;
        q[AHEAD + 2] = KH == 3 ? pl_flat_col(pl_loadu(t - w), pl_loadu(t), pl_loadu(t + w), scale, 3, SCALED)
                               : pl_flat_col(pl_zero(), pl_loadu(t), pl_zero(), scale, 1, SCALED);
        PL_FLAT_STEP(pl_storeu_out(o + x, res_));
    }
    for (; x < n; x += PL_VL) {
        q[AHEAD + 2] = pl_flat_vsum(plane, x + lead, f, scale, KH, SCALED);
        PL_FLAT_STEP(PL_FLAT_STORE_ANY);
    }
#undef PL_FLAT_STORE_ANY
#undef PL_FLAT_STEP
}

/* Does the flat path take p: W (and H, unless H is unit) 3 taps, stride 1,
 * padding 1, output as large as the input; D unit windows; small planes. */
static int pl_avg_flat_fits(const sp_problem *p)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    if (ad->kernel != 1 || ad->stride != 1 || ad->pad_begin != 0 || ad->out != ad->in) return 0;
    int64_t g = aw->in, v = PL_VL;
    while (v) { int64_t t = g % v; g = v; v = t; }
    if (aw->in / g > PL_FLAT_PERIOD_MAX || aw->in > PL_FLAT_MAX_W || ah->in * aw->in > PL_FLAT_MAX)
        return 0;
    const sp_axis *three[2] = {ah, aw};
    for (int i = 0; i < 2; i++) {
        const sp_axis *a = three[i];
        if (i == 0 && a->in == 1 && a->kernel == 1 && a->pad_begin == 0 && a->out == 1) continue;
        if (a->kernel != 3 || a->stride != 1 || a->dilation != 1 || a->pad_begin != 1 ||
            a->out != a->in)
            return 0;
    }
    return 1;
}

/* The divisor of flat output (oh, ow): the H factor times the W factor. */
static inline int64_t pl_flat_divisor_factor(const sp_problem *p, const sp_axis *a, int64_t o)
{
    if (p->divisor_override) return 1;
    if (p->alg == SIMDPOOL_AVG_INCLUDE_PAD) return sp_axis_padded_taps(a, o);
    int64_t f, e;
    sp_axis_valid_taps(a, o, &f, &e);
    return e - f; /* every window holds its centre: >= 1 */
}

/* Also the backward when every output has the same divisor: the window is
 * symmetric (3 taps, padding 1, out == in), so diff_src is the same box sum
 * of diff_dst, each term times the one reciprocal. `backward`: do nothing
 * and return 0 unless the divisors are uniform; else return 1. */
static int pl_avg_fwd_flat(const sp_problem *p, const float *src, float *dst, int64_t begin,
                           int64_t end, const int backward)
{
    const sp_axis *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t w = aw->in, h = ah->in, n = h * w;
    /* Reciprocal divisors, made per call and cheaply (the kernel itself is
     * only a few instructions per output): rows differ from their neighbours
     * only at the top and bottom, so the other rows are copies. */
    float recip[PL_FLAT_MAX + PL_VL];
    const int64_t over = p->divisor_override ? p->divisor_override : 1;
    for (int64_t oh = 0; oh < h; oh++) {
        float *row = recip + oh * w;
        if (oh >= 2 && oh < h - 1) {
            memcpy(row, recip + w, (size_t)w * sizeof(float));
            continue;
        }
        const int64_t fh = pl_flat_divisor_factor(p, ah, oh) * over;
        for (int64_t ow = 0; ow < w; ow++)
            row[ow] = 1.0f / (float)(fh * pl_flat_divisor_factor(p, aw, ow));
    }
    for (int64_t i = n; i < n + PL_VL; i++) recip[i] = 0.0f;
    /* Column masks: vector k's first column is k * PL_VL mod w. */
    pl_vm left[PL_FLAT_PERIOD_MAX], right[PL_FLAT_PERIOD_MAX];
    int period = 0;
    int64_t c0 = 0;
    do {
        int32_t col[PL_VL];
        for (int l = 0, c = (int)c0; l < PL_VL; l++, c = c + 1 == w ? 0 : c + 1) col[l] = c;
        const pl_vi c = pl_iloadu(col);
        left[period] = pl_ilt(pl_iset1(0), c);
        right[period] = pl_ilt(c, pl_iset1((int32_t)(w - 1)));
        period++;
        c0 = (c0 + PL_VL) % w;
    } while (c0 != 0);
    int uniform = 1;
    for (int64_t i = 1; i < n; i++) uniform &= recip[i] == recip[0];
    if (backward && !uniform) return 0;
    const int KH = (int)ah->kernel;
    const int64_t up = KH == 3 ? w : 0;
    int64_t vtop = (up + PL_VL - 1) / PL_VL * PL_VL, vbot = n - up - PL_VL + 1;
    vbot = vbot < vtop ? vtop : (vbot + PL_VL - 1) / PL_VL * PL_VL;
    pl_vm border[3 * PL_FLAT_BORDER_MAX];
    int nb = 0;
    for (int64_t x = 0; x < n; x += PL_VL) {
        if (x == vtop) x = vbot;
        if (x >= n) break;
        border[3 * nb] = pl_range(w - x, n - x + w);
        border[3 * nb + 1] = pl_range(-x, n - x);
        border[3 * nb + 2] = pl_range(-x - w, n - x - w);
        nb++;
    }
    const pl_flat f = {n, w, vtop, vbot, period, recip, left, right, border};
    int64_t ahead = KH == 3 ? (w + PL_VL - 1) / PL_VL - 1 : 0;
    if (ahead > PL_FLAT_AHEAD_MAX) ahead = PL_FLAT_AHEAD_MAX;
    const int64_t planes = p->axis[SP_D].in;
    for (int64_t item = begin; item < end; item++)
        for (int64_t d = 0; d < planes; d++) {
            const float *plane = src + item * p->in_plane + d * n;
            float *o = dst + item * p->out_plane + d * n;
#define PL_FLAT_RUN(K, A, U, SC) pl_avg_flat_plane(plane, o, &f, K, A, U, SC)
#define PL_FLAT_CASE(A)                                                                        \
    case A:                                                                                    \
        if (backward)                                                                          \
            PL_FLAT_RUN(3, A, 1, 1);                                                           \
        else if (uniform)                                                                      \
            PL_FLAT_RUN(3, A, 1, 0);                                                           \
        else                                                                                   \
            PL_FLAT_RUN(3, A, 0, 0);                                                           \
        break
            if (KH == 1) {
                if (backward)
                    PL_FLAT_RUN(1, 0, 1, 1);
                else if (uniform)
                    PL_FLAT_RUN(1, 0, 1, 0);
                else
                    PL_FLAT_RUN(1, 0, 0, 0);
                continue;
            }
            switch (ahead) {
                PL_FLAT_CASE(0);
                PL_FLAT_CASE(1);
                PL_FLAT_CASE(2);
                PL_FLAT_CASE(3);
                default: PL_FLAT_CASE(4);
            }
#undef PL_FLAT_CASE
#undef PL_FLAT_RUN
        }
    return 1;
}

simdpool_status PL_NAME(sp_f32_avgpool_fwd_nchw)(const sp_problem *p, const float *src, float *dst,
                                           int64_t *indices, int64_t begin, int64_t end)
{
    (void)indices;
    if (pl_avg_flat_fits(p)) {
        pl_avg_fwd_flat(p, src, dst, begin, end, 0);
        return SIMDPOOL_OK;
    }
    int64_t len = pl_sep_len(p);
    if (len) {
        pl_avg_fwd_sep(p, src, dst, begin, end, len);
        return SIMDPOOL_OK;
    }
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = p->axis[SP_W].out;
    for (int64_t item = begin; item < end; item++) {
        const float *plane = src + item * p->in_plane;
        for (int64_t od = 0; od < odn; od++)
            for (int64_t oh = 0; oh < ohn; oh++) {
                pl_rows r = pl_rows_of(p, od, oh);
                pl_avg_row(p, plane, &r, dst + item * p->out_plane + (od * ohn + oh) * own);
            }
    }
    return SIMDPOOL_OK;
}

/* Global average: one window covering the whole (contiguous) plane, no
 * padding, no dilation: a straight sum of in_plane floats per plane. Small
 * planes (7x7 = 49 floats at the end of classification networks) get a
 * branch-free body per plane with the vector count a constant. */
PL_INLINE void pl_gsum_planes(const float *src, float *dst, int64_t begin, int64_t end,
                              int64_t len, float scale, const int64_t nfull)
{
    const int tail = (int)(len - nfull * PL_VL);
    const pl_vm tmask = pl_first(tail);
    for (int64_t item = begin; item < end; item++) {
        const float *s = src + item * len;
        pl_vf a0 = tail ? pl_loadu_m(s + nfull * PL_VL, tmask) : pl_zero(), a1 = pl_zero();
        for (int64_t i = 0; i < nfull; i++) {
            if (i & 1)
                a1 = pl_add(a1, pl_loadu(s + i * PL_VL));
            else
                a0 = pl_add(a0, pl_loadu(s + i * PL_VL));
        }
        dst[item] = pl_hsum(pl_add(a0, a1)) * scale;
    }
}

simdpool_status PL_NAME(sp_f32_avgpool_fwd_nchw_global)(const sp_problem *p, const float *src,
                                                  float *dst, int64_t *indices, int64_t begin,
                                                  int64_t end)
{
    (void)indices;
    const int64_t len = p->in_plane;
    const float scale = 1.0f / (float)(p->divisor_override ? p->divisor_override : len);
    switch (len / PL_VL) {
    case 0: pl_gsum_planes(src, dst, begin, end, len, scale, 0); return SIMDPOOL_OK;
    case 1: pl_gsum_planes(src, dst, begin, end, len, scale, 1); return SIMDPOOL_OK;
    case 2: pl_gsum_planes(src, dst, begin, end, len, scale, 2); return SIMDPOOL_OK;
    case 3: pl_gsum_planes(src, dst, begin, end, len, scale, 3); return SIMDPOOL_OK;
    case 4: pl_gsum_planes(src, dst, begin, end, len, scale, 4); return SIMDPOOL_OK;
    case 6: pl_gsum_planes(src, dst, begin, end, len, scale, 6); return SIMDPOOL_OK;
    default: break;
    }
    const int tail = (int)(len % PL_VL);
    const pl_vm tmask = pl_first(tail);
    for (int64_t item = begin; item < end; item++) {
        const float *s = src + item * len;
        pl_vf a0 = pl_zero(), a1 = pl_zero(), a2 = pl_zero(), a3 = pl_zero();
        int64_t i = 0;
        for (; i + 4 * PL_VL <= len; i += 4 * PL_VL) {
            a0 = pl_add(a0, pl_loadu(s + i));
            a1 = pl_add(a1, pl_loadu(s + i + PL_VL));
            a2 = pl_add(a2, pl_loadu(s + i + 2 * PL_VL));
            a3 = pl_add(a3, pl_loadu(s + i + 3 * PL_VL));
        }
        for (; i + PL_VL <= len; i += PL_VL) a1 = pl_add(a1, pl_loadu(s + i));
        if (tail) a2 = pl_add(a2, pl_loadu_m(s + i, tmask));
        dst[item] = pl_hsum(pl_add(pl_add(a0, a1), pl_add(a2, a3))) * scale;
    }
    return SIMDPOOL_OK;
}

/* Global average backward: every element of a plane receives the plane's
 * gradient over the divisor; a fill, no zeroing pass. A plane of at least a
 * vector ends with a whole vector overlapping the one before, not a masked
 * store: AVX2's masked store is slow on Zen (7x7 planes, 32x2048: 300 ->
 * 192 us). */
simdpool_status PL_NAME(sp_f32_avgpool_bwd_nchw_global)(const sp_problem *p, const float *diff_dst,
                                                   const int64_t *indices, const float *src,
                                                   float *diff_src, int64_t begin, int64_t end)
{
    (void)indices;
    (void)src;
    const int64_t len = p->in_plane;
    const float div = (float)(p->divisor_override ? p->divisor_override : len);
    const int tail = (int)(len % PL_VL);
    const pl_vm tmask = pl_first(tail);
    for (int64_t item = begin; item < end; item++) {
        const pl_vf v = pl_set1(diff_dst[item] / div);
        float *d = diff_src + item * len;
        int64_t i = 0;
        for (; i + PL_VL <= len; i += PL_VL) pl_storeu(d + i, v);
        if (tail && len >= PL_VL)
            pl_storeu(d + len - PL_VL, v);
        else if (tail)
            pl_storeu_m(d + i, v, tmask);
    }
    return SIMDPOOL_OK;
}

/* The other backward paths below read-modify-write diff_src rows or write
 * them unaligned: the streaming build has none of its own, and the streaming
 * set names these. */
#if !SPV_STREAM_STORES

/* ---- average backward, separable ------------------------------------------ */

/* The transpose of the forward's separable form: per output row, each input
 * column's gradient is the sum of the shares of the windows that have it as
 * a W tap (read from diff_dst with the column factors of the forward, padding
 * lanes masked to 0), added to each valid input row. Stride 1: one shifted
 * load per tap; stride 2 (dense, 2 or 3 taps): the shares of even and odd
 * columns, interleaved; other strides: pushed output by output. */
#define PL_CS_MARGIN 64

static int pl_avg_bwd_sep_ok(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    if ((aw->kernel - 1) * aw->dilation + PL_VL > PL_CS_MARGIN) return 0;
    return aw->out + PL_VL <= PL_SEP_MAX && aw->in + aw->pad_begin + 2 * PL_VL <= PL_SEP_MAX;
}

PL_INLINE void pl_rmw_add(float *row, int64_t c0, int64_t iw, pl_vf v)
{
    float *t = (float *)((uintptr_t)row + (uintptr_t)(c0 * 4));
    if (c0 >= 0 && c0 + PL_VL <= iw) {
        pl_storeu(t, pl_add(pl_loadu(t), v));
    } else {
        pl_vm m = pl_range(-c0, iw - c0);
        pl_storeu_m(t, pl_add(pl_loadu_m(t, m), v), m);
    }
}

PL_INLINE void pl_avg_bwd_row_sep(const sp_problem *p, const float *dd, const float *cs,
                                  const int64_t *offs, const int R, float rowf, float *ds,
                                  const int64_t S, const int64_t KW, const int64_t DW)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t iw = aw->in, own = aw->out, pb = aw->pad_begin;
    const pl_vf rf = pl_set1(rowf);
    if (S == 1) {
        for (int64_t c0 = 0; c0 < iw; c0 += PL_VL) {
            pl_vf acc = pl_zero();
            for (int64_t jw = 0; jw < KW; jw++) {
                int64_t k0 = c0 + pb - jw * DW; /* output of lane 0 for this tap */
                const float *d = (const float *)((uintptr_t)dd + (uintptr_t)(k0 * 4));
                acc = pl_add(acc, pl_mul(pl_loadu_fill(d, pl_range(-k0, own - k0), pl_zero()),
                                         pl_loadu(cs + k0)));
            }
            acc = pl_mul(acc, rf);
            for (int i = 0; i < R; i++) pl_rmw_add(ds + offs[i], c0, iw, acc);
        }
    } else if (S == 2 && DW == 1 && (KW == 2 || KW == 3)) {
        for (int64_t m0 = 0; m0 <= own && 2 * m0 - pb < iw; m0 += PL_VL) {
            const float *d = dd + m0;
            pl_vf sh = pl_mul(pl_loadu_fill(d, pl_range(0, own - m0), pl_zero()), pl_loadu(cs + m0));
            pl_vf ev = sh;
            if (KW == 3) {
                const float *dp = (const float *)((uintptr_t)dd + (uintptr_t)((m0 - 1) * 4));
                ev = pl_add(ev, pl_mul(pl_loadu_fill(dp, pl_range(1 - m0, own - m0 + 1), pl_zero()),
                                       pl_loadu(cs + m0 - 1)));
            }
            pl_vf lo, hi;
            pl_zip(pl_mul(ev, rf), pl_mul(sh, rf), &lo, &hi);
            const int64_t c0 = 2 * m0 - pb;
            for (int i = 0; i < R; i++) {
                pl_rmw_add(ds + offs[i], c0, iw, lo);
                if (c0 + PL_VL < iw) pl_rmw_add(ds + offs[i], c0 + PL_VL, iw, hi);
            }
        }
    } else {
        for (int64_t ow = 0; ow < own; ow++) {
            float share = dd[ow] * cs[ow] * rowf;
            int64_t f, e, start = sp_window_start(aw, ow);
            sp_axis_valid_taps(aw, ow, &f, &e);
            for (int i = 0; i < R; i++)
                for (int64_t jw = f; jw < e; jw++) ds[offs[i] + start + jw * DW] += share;
        }
    }
}

/* ---- average backward, gathered rows (stride 2) --------------------------- */

/* Stride 2 with 2 or 3 dense W taps: diff_src is gathered an input row at a
 * time, each element written once (no clearing pass, no read-modify-write).
 * The covering output rows are combined first,
 * u[m] = cs[m] * sum_r rowf_r * diff_dst_r[m]; then input column 2m - pb
 * (tap 0 of output m, and tap 2 of m - 1 when KW is 3) and column
 * 2m - pb + 1 (tap 1 of m) are the even and odd lanes of u interleaved. */
#define PL_BWD_MAXR 16

/* Stores v at row[c0, c0 + PL_VL), lanes outside [0, iw) left out. */
PL_INLINE void pl_store_clipped(float *row, int64_t c0, int64_t iw, pl_vf v)
{
    float *t = (float *)((uintptr_t)row + (uintptr_t)(c0 * 4));
    if (c0 >= 0 && c0 + PL_VL <= iw)
        pl_storeu(t, v);
    else
        pl_storeu_m(t, v, pl_range(-c0, iw - c0));
}

PL_INLINE void pl_avg_bwd_gather_row_s2(const float *const *dd, const float *rowf, const int R,
                                        int64_t own, const float *cs, int64_t iw, int64_t pb,
                                        float *ds, const int KW)
{
    pl_vf prev = pl_zero();
    for (int64_t m0 = 0; 2 * m0 - pb < iw; m0 += PL_VL) {
        pl_vf u;
        if (m0 + PL_VL <= own) {
            u = pl_mul(pl_loadu(dd[0] + m0), pl_set1(rowf[0]));
            for (int i = 1; i < R; i++) u = pl_add(u, pl_mul(pl_loadu(dd[i] + m0), pl_set1(rowf[i])));
        } else {
            const pl_vm m = pl_range(0, own - m0);
            u = pl_mul(pl_loadu_m(dd[0] + m0, m), pl_set1(rowf[0]));
            for (int i = 1; i < R; i++)
                u = pl_add(u, pl_mul(pl_loadu_m(dd[i] + m0, m), pl_set1(rowf[i])));
        }
        u = pl_mul(u, pl_loadu(cs + m0));
        const pl_vf ev = KW == 3 ? pl_add(u, pl_prev1(prev, u)) : u;
        prev = u;
        pl_vf lo, hi;
        pl_zip(ev, u, &lo, &hi);
        const int64_t c0 = 2 * m0 - pb;
        pl_store_clipped(ds, c0, iw, lo);
        pl_store_clipped(ds, c0 + PL_VL, iw, hi);
    }
}

/* The most output rows (od, oh) whose windows reach one input row. */
static int64_t pl_avg_bwd_rows_max(const sp_problem *p)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H];
    return ((ad->extent - 1) / ad->stride + 1) * ((ah->extent - 1) / ah->stride + 1);
}

static void pl_avg_bwd_gather_s2(const sp_problem *p, const float *diff_dst, float *diff_src,
                                 int64_t begin, int64_t end, const float *cs)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t ohn = ah->out, own = aw->out, iw = aw->in, pb = aw->pad_begin;
    const int KW = (int)aw->kernel;
    for (int64_t item = begin; item < end; item++) {
        const float *ddp = diff_dst + item * p->out_plane;
        float *ds = diff_src + item * p->in_plane;
        for (int64_t id = 0; id < ad->in; id++) {
            int64_t dlo, dhi;
            sp_axis_covering(ad, id, &dlo, &dhi);
            for (int64_t ih = 0; ih < ah->in; ih++, ds += iw) {
                int64_t hlo, hhi;
                sp_axis_covering(ah, ih, &hlo, &hhi);
                const float *rows[PL_BWD_MAXR];
                float rowf[PL_BWD_MAXR];
                int R = 0;
                for (int64_t od = dlo; od <= dhi; od++) {
                    if (!sp_axis_covers(ad, id, od)) continue;
                    for (int64_t oh = hlo; oh <= hhi; oh++) {
                        if (!sp_axis_covers(ah, ih, oh)) continue;
                        const pl_rows r = pl_rows_of(p, od, oh);
                        rows[R] = ddp + (od * ohn + oh) * own;
                        rowf[R++] = p->divisor_override                    ? 1.0f
                                    : p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? 1.0f / (float)r.padded
                                                                           : 1.0f / (float)r.count;
                    }
                }
                if (R == 0)
                    pl_zero_floats(ds, iw);
                else if (R == 1 && KW == 3)
                    pl_avg_bwd_gather_row_s2(rows, rowf, 1, own, cs, iw, pb, ds, 3);
                else if (R == 2 && KW == 3)
                    pl_avg_bwd_gather_row_s2(rows, rowf, 2, own, cs, iw, pb, ds, 3);
                else if (KW == 3)
                    pl_avg_bwd_gather_row_s2(rows, rowf, R, own, cs, iw, pb, ds, 3);
                else if (R == 1)
                    pl_avg_bwd_gather_row_s2(rows, rowf, 1, own, cs, iw, pb, ds, 2);
                else
                    pl_avg_bwd_gather_row_s2(rows, rowf, R, own, cs, iw, pb, ds, 2);
            }
        }
    }
}

simdpool_status PL_NAME(sp_f32_avgpool_bwd_nchw)(const sp_problem *p, const float *diff_dst,
                                           const int64_t *indices, const float *src,
                                           float *diff_src, int64_t begin, int64_t end)
{
    (void)indices;
    (void)src;
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = aw->out;
    const int64_t S = aw->stride, KW = aw->kernel, DW = aw->dilation, PB = aw->pad_begin;
    if (pl_avg_flat_fits(p) && pl_avg_fwd_flat(p, diff_dst, diff_src, begin, end, 1))
        return SIMDPOOL_OK;
    float share[PL_BLOCK];
    /* column factors with zero margins, for the separable path */
    const int sep = pl_avg_bwd_sep_ok(p);
    float csb[PL_CS_MARGIN + PL_SEP_MAX + PL_CS_MARGIN];
    float *cs = csb + PL_CS_MARGIN;
    if (sep) {
        for (int64_t i = 0; i < PL_CS_MARGIN + PL_SEP_MAX + PL_CS_MARGIN; i++) csb[i] = 0.0f;
        pl_avg_col_factors(p, cs);
        for (int64_t i = own; i < own + PL_VL; i++) cs[i] = 0.0f;
    }
    if (sep && S == 2 && DW == 1 && (KW == 2 || KW == 3) && pl_avg_bwd_rows_max(p) <= PL_BWD_MAXR) {
        pl_avg_bwd_gather_s2(p, diff_dst, diff_src, begin, end, cs);
        return SIMDPOOL_OK;
    }
    for (int64_t item = begin; item < end; item++) {
        float *ds = diff_src + item * p->in_plane;
        pl_zero_floats(ds, p->in_plane);
        for (int64_t od = 0; od < odn; od++)
            for (int64_t oh = 0; oh < ohn; oh++) {
                pl_rows r = pl_rows_of(p, od, oh);
                if (r.count == 0) continue;
                const float *dd = diff_dst + item * p->out_plane + (od * ohn + oh) * own;
                if (sep && r.count <= PL_AVG_MAXR && r.padded != 0) {
                    int64_t offs[PL_AVG_MAXR];
                    int R = 0;
                    PL_FOR_ROWS(&r, off, offs[R++] = off);
                    float rowf = p->divisor_override                    ? 1.0f
                                 : p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? 1.0f / (float)r.padded
                                                                        : 1.0f / (float)r.count;
                    if (S == 1 && DW == 1 && KW == 3)
                        pl_avg_bwd_row_sep(p, dd, cs, offs, R, rowf, ds, 1, 3, 1);
                    else if (S == 1)
                        pl_avg_bwd_row_sep(p, dd, cs, offs, R, rowf, ds, 1, KW, DW);
                    else if (S == 2 && DW == 1 && KW == 3)
                        pl_avg_bwd_row_sep(p, dd, cs, offs, R, rowf, ds, 2, 3, 1);
                    else if (S == 2 && DW == 1 && KW == 2)
                        pl_avg_bwd_row_sep(p, dd, cs, offs, R, rowf, ds, 2, 2, 1);
                    else
                        pl_avg_bwd_row_sep(p, dd, cs, offs, R, rowf, ds, S, KW, DW);
                    continue;
                }
                const float inner = 1.0f / (float)pl_avg_interior_divisor(p, &r);
                for (int64_t ob = 0; ob < own; ob += PL_BLOCK) {
                    int64_t oe = own - ob < PL_BLOCK ? own : ob + PL_BLOCK;
                    for (int64_t ow = ob; ow < oe; ow++) {
                        if (ow >= aw->interior_begin && ow < aw->interior_end) {
                            share[ow - ob] = dd[ow] * inner;
                            continue;
                        }
                        int64_t d = pl_avg_divisor(p, &r, ow);
                        share[ow - ob] = d >= 0 ? dd[ow] / (float)d : 0.0f;
                    }
                    for (int64_t jw = 0; jw < KW; jw++) {
                        /* outputs whose tap jw lies in [0, IW): ow*S >= PB - jw*DW
                         * and ow*S <= IW - 1 + PB - jw*DW */
                        int64_t lo_num = PB - jw * DW, hi_num = aw->in - 1 + PB - jw * DW;
                        if (hi_num < 0) break;
                        int64_t a = lo_num <= 0 ? 0 : sp_ceil_div_nonneg(lo_num, S);
                        int64_t b = hi_num / S + 1;
                        if (a < ob) a = ob;
                        if (b > oe) b = oe;
                        if (a >= b) continue;
                        PL_FOR_ROWS(&r, off, {
                            float *t = ds + off + a * S - PB + jw * DW;
                            const float *sh = share + (a - ob);
                            int64_t cnt = b - a, i = 0;
                            if (S == 1) {
                                for (; i + PL_VL <= cnt; i += PL_VL)
                                    pl_storeu(t + i, pl_add(pl_loadu(t + i), pl_loadu(sh + i)));
                                if (i < cnt) {
                                    pl_vm m = pl_first((int)(cnt - i));
                                    pl_storeu_m(t + i, pl_add(pl_loadu_m(t + i, m), pl_loadu_m(sh + i, m)), m);
                                }
                            } else if (S == 2) {
                                for (; i < cnt; i += PL_VL) {
                                    int n = cnt - i < PL_VL ? (int)(cnt - i) : PL_VL;
                                    int need = 2 * n - 1; /* t[2i .. 2i + 2n - 2] */
                                    float *u = t + 2 * i;
                                    pl_vm ma = pl_first(need < PL_VL ? need : PL_VL);
                                    pl_vm mb = pl_first(need > PL_VL ? need - PL_VL : 0);
                                    pl_vf lo, hi;
                                    pl_spread2(pl_loadu_m(sh + i, pl_first(n)), &lo, &hi);
                                    pl_storeu_m(u, pl_add(pl_loadu_m(u, ma), lo), ma);
                                    if (need > PL_VL)
                                        pl_storeu_m(u + PL_VL, pl_add(pl_loadu_m(u + PL_VL, mb), hi), mb);
                                }
                            } else {
                                for (; i < cnt; i++) t[i * S] += sh[i];
                            }
                        });
                    }
                }
            }
    }
    return SIMDPOOL_OK;
}

#endif /* !SPV_STREAM_STORES */

#endif
