/*
 * Average pooling, channels-first, forward and backward: the template
 * compiled once per ISA by kernels/<isa>/avgpool_nchw.c (after that ISA's
 * planar.h). See planar_common.h for the plan of the kernels.
 */
#ifndef SIMDPOOL_PLANAR_AVG_TMPL_H
#define SIMDPOOL_PLANAR_AVG_TMPL_H

#include "planar_common.h"

/* ---- average forward ------------------------------------------------------ */

/* The divisor of output (r, ow), -1 for a window without valid taps (it
 * averages to 0). It can be 0 for a window with valid taps: include-padding
 * with a negative end padding counts none of the taps past in + pad_end; the
 * reference then divides by 0, and so do the kernels. */
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

/* Does the include-padding divisor vary inside the W interior? Only when the
 * end padding is negative: interior taps past in + pad_end are not counted. */
static inline int pl_avg_interior_varies(const sp_problem *p)
{
    return !p->divisor_override && p->alg == SIMDPOOL_AVG_INCLUDE_PAD &&
           p->axis[SP_W].pad_end < 0;
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
        pl_storeu(o, res);
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
        if (pl_avg_interior_varies(p)) {
            float div[PL_VL];
            for (int l = 0; l < PL_VL; l++) div[l] = (float)pl_avg_divisor(p, r, ow + (l < n ? l : 0));
            res = pl_div(res, pl_loadu(div));
        } else {
            res = pl_mul(res, vscale);
        }
        if (n == PL_VL)
            pl_storeu(o + ow, res);
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

static void pl_avg_row(const sp_problem *p, const float *plane, const pl_rows *r, float *o)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t ow_n = aw->out;
    if (r->count == 0) {
        pl_zero_floats(o, ow_n);
        return;
    }
    int64_t ib = aw->interior_begin, ie = aw->interior_end;
    for (int64_t ow = 0; ow < ib; ow += PL_VL)
        pl_avg_chunk_exact(p, plane, r, ow, ib - ow < PL_VL ? (int)(ib - ow) : PL_VL, o + ow);
    if (ie > ib) {
        const int64_t S = aw->stride, K = aw->kernel, D = aw->dilation;
        const float scale = 1.0f / (float)pl_avg_interior_divisor(p, r);
        if (S == 1 && D == 1 && K == 3)
            pl_avg_interior(p, plane, r, ib, ie, scale, o, 1, 3, 1);
        else if (S == 2 && D == 1 && K == 3)
            pl_avg_interior(p, plane, r, ib, ie, scale, o, 2, 3, 1);
        else if (S == 2 && D == 1 && K == 2)
            pl_avg_interior(p, plane, r, ib, ie, scale, o, 2, 2, 1);
        else if (S == 1)
            pl_avg_interior(p, plane, r, ib, ie, scale, o, 1, K, D);
        else if (S == 2 && D == 1)
            pl_avg_interior(p, plane, r, ib, ie, scale, o, 2, K, 1);
        else
            pl_avg_interior(p, plane, r, ib, ie, scale, o, S, K, D);
    }
    for (int64_t ow = ie; ow < ow_n; ow += PL_VL)
        pl_avg_chunk_exact(p, plane, r, ow, ow_n - ow < PL_VL ? (int)(ow_n - ow) : PL_VL, o + ow);
}

simdpool_status PL_NAME(sp_f32_avgpool_fwd_nchw)(const sp_problem *p, const float *src, float *dst,
                                           int64_t *indices, int64_t begin, int64_t end)
{
    (void)indices;
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
 * padding, no dilation: a straight sum of in_plane floats per plane. */
simdpool_status PL_NAME(sp_f32_avgpool_fwd_nchw_global)(const sp_problem *p, const float *src,
                                                  float *dst, int64_t *indices, int64_t begin,
                                                  int64_t end)
{
    (void)indices;
    const int64_t len = p->in_plane;
    const float scale = 1.0f / (float)(p->divisor_override ? p->divisor_override : len);
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

/* Average backward: each output's share (gradient / divisor) goes to every
 * valid tap. Shares of a block of outputs are computed first; then, tap by
 * tap, the outputs that have that tap inside the row add their share:
 * contiguous read-add-writes for stride 1, spread to even lanes for stride
 * 2, lane by lane otherwise. */
simdpool_status PL_NAME(sp_f32_avgpool_bwd_nchw)(const sp_problem *p, const float *diff_dst,
                                           const int64_t *indices, const float *src,
                                           float *diff_src, int64_t begin, int64_t end)
{
    (void)indices;
    (void)src;
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t odn = p->axis[SP_D].out, ohn = p->axis[SP_H].out, own = aw->out;
    const int64_t S = aw->stride, KW = aw->kernel, DW = aw->dilation, PB = aw->pad_begin;
    const int varies = pl_avg_interior_varies(p);
    float share[PL_BLOCK];
    for (int64_t item = begin; item < end; item++) {
        float *ds = diff_src + item * p->in_plane;
        pl_zero_floats(ds, p->in_plane);
        for (int64_t od = 0; od < odn; od++)
            for (int64_t oh = 0; oh < ohn; oh++) {
                pl_rows r = pl_rows_of(p, od, oh);
                if (r.count == 0) continue;
                const float *dd = diff_dst + item * p->out_plane + (od * ohn + oh) * own;
                const float inner = 1.0f / (float)pl_avg_interior_divisor(p, &r);
                for (int64_t ob = 0; ob < own; ob += PL_BLOCK) {
                    int64_t oe = own - ob < PL_BLOCK ? own : ob + PL_BLOCK;
                    for (int64_t ow = ob; ow < oe; ow++) {
                        if (ow >= aw->interior_begin && ow < aw->interior_end && !varies) {
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

#endif
