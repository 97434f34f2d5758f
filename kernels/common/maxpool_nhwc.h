/*
 * Channels-last max pooling, forward and backward, written once against the
 * vec.h API and included by each ISA's maxpool_nhwc.c after its vec.h.
 *
 * Channels are the vector lanes; a window is visited tap by tap (D, H, W
 * nested, the scan order) for a block of up to SP_NV vectors of channels.
 *
 * NaN (SEMANTICS.md: any NaN tap makes the result NaN, the index is the last
 * NaN tap): the critical path is the plain max, ordered so that ties keep the
 * earlier tap (spv_max(v, best) returns best unless v > best), which drops
 * NaN taps. Beside it one unordered compare per pair of taps collects the
 * lanes that saw a NaN, and those rare lanes are recomputed by the scalar
 * rule. Indices ride along as int32 offsets from the window's first valid
 * tap, moved only when a tap is strictly greater (so ties keep the first),
 * and widened to int64 on store.
 */
#include <math.h>
#include <string.h>

#include "nhwc_template.h"
#include "nhwc_window.h"

/* Output rows the 3x3 stride-2 kernel runs at once (2 needs 2x the registers). */
#ifndef SPV_K3S2_ROWS
#define SPV_K3S2_ROWS 2
#endif

/* A window as the channel loops see it: first valid tap (pointer to its
 * channel 0), steps between taps in elements and in spatial indices (D, H,
 * W), and the counts of valid taps. */
typedef struct sp_mwin {
    const float *first;
    int64_t step[3];
    int64_t n[3];
    int64_t rstep[3]; /* spatial-index steps */
} sp_mwin;

/* The exact scalar rule for channel ch of window w (the NaN fix-up, and the
 * whole index when offsets would not fit int32): value and offset of the
 * chosen tap from the first valid one. */
static __attribute__((noinline, cold)) float SPV_FN(sp_max_lane)(const sp_mwin *w, int64_t ch,
                                                                 int64_t sp[3], int64_t *rel)
{
    float best = 0.0f;
    int64_t best_rel = -1;
    for (int64_t a = 0; a < w->n[0]; a++)
        for (int64_t b = 0; b < w->n[1]; b++)
            for (int64_t k = 0; k < w->n[2]; k++) {
                float v = w->first[a * w->step[0] + b * w->step[1] + k * w->step[2] + ch];
                if (best_rel < 0 || v > best || isnan(v)) {
                    best = v;
                    best_rel = a * sp[0] + b * sp[1] + k * sp[2];
                }
            }
    *rel = best_rel;
    return best;
}

/*
 * Max of NV vectors of channels [c, c + NV*SPV_W) (or, with `tail`, of the
 * lanes of t at c) over window w. Stores the values at out + c and, with
 * `with_idx`, the int64 indices (anchor + offset) at idx_out + c; with
 * `want_rel` it returns the offsets (NV == 1) in *rel_out instead of storing.
 * `idx_scalar`: offsets do not fit int32, every lane takes the scalar rule.
 */
SPV_INLINE void SPV_FN(sp_max_block)(const sp_mwin *w, int64_t c, float *out, int64_t *idx_out,
                                     int64_t anchor, const int nv, const int tail, spv_t t,
                                     const int with_idx, const int want_rel, spv_i *rel_out,
                                     const int idx_scalar, int64_t sp[3])
{
    spv_f best[SP_NV];
    spv_i bi[SP_NV];
    spv_n nan[SP_NV];
    for (int u = 0; u < nv; u++) {
        best[u] = spv_set1(-INFINITY);
        bi[u] = spv_iset1(0);
        nan[u] = spv_nan_none();
    }
    const int idx = with_idx && !idx_scalar;
    const int64_t s2 = w->step[2];
    const int64_t r2 = w->rstep[2];
    const float *pd = w->first + c;
    int64_t rd = 0;
    for (int64_t a = 0; a < w->n[0]; a++, pd += w->step[0], rd += w->rstep[0]) {
        const float *ph = pd;
        int64_t rh = rd;
        for (int64_t b = 0; b < w->n[1]; b++, ph += w->step[1], rh += w->rstep[1]) {
            const float *q = ph;
            int64_t r = rh;
            int64_t k = 0;
            for (; k + 2 <= w->n[2]; k += 2, q += 2 * s2, r += 2 * r2) {
                for (int u = 0; u < nv; u++) {
                    spv_f v0 = tail ? spv_load_t(q, t) : spv_load(q + u * SPV_W);
                    spv_f v1 = tail ? spv_load_t(q + s2, t) : spv_load(q + s2 + u * SPV_W);
                    nan[u] = spv_nan_acc(nan[u], v0, v1);
                    if (idx) {
                        spv_m m0 = spv_gt(v0, best[u]);
                        best[u] = spv_max(v0, best[u]);
                        bi[u] = spv_iselect(m0, bi[u], spv_iset1((int32_t)r));
                        spv_m m1 = spv_gt(v1, best[u]);
                        best[u] = spv_max(v1, best[u]);
                        bi[u] = spv_iselect(m1, bi[u], spv_iset1((int32_t)(r + r2)));
                    } else {
                        /* max(v1, v0) keeps v0 on a tie, max(., best) keeps best. */
                        best[u] = spv_max(spv_max(v1, v0), best[u]);
                    }
                }
            }
            if (k < w->n[2]) {
                for (int u = 0; u < nv; u++) {
                    spv_f v0 = tail ? spv_load_t(q, t) : spv_load(q + u * SPV_W);
                    nan[u] = spv_nan_acc(nan[u], v0, v0);
                    if (idx) {
                        spv_m m0 = spv_gt(v0, best[u]);
                        bi[u] = spv_iselect(m0, bi[u], spv_iset1((int32_t)r));
                    }
                    best[u] = spv_max(v0, best[u]);
                }
            }
        }
    }
    const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
    for (int u = 0; u < nv; u++) {
        int64_t cu = c + u * SPV_W;
        unsigned fix = spv_nan_lanes(nan[u]) & lanes;
        if (with_idx && idx_scalar) fix = lanes;
        if (__builtin_expect(fix != 0, 0)) {
            float vals[SPV_W];
            int32_t rels[SPV_W];
            spv_store(vals, best[u]);
            spv_istore(rels, bi[u]);
            for (; fix; fix &= fix - 1) {
                int l = __builtin_ctz(fix);
                int64_t rel;
                vals[l] = SPV_FN(sp_max_lane)(w, cu + l, sp, &rel);
                if (!idx_scalar) rels[l] = (int32_t)rel;
                else if (idx_out) idx_out[cu + l] = anchor + rel;
            }
            best[u] = spv_load(vals);
            bi[u] = spv_iload(rels);
        }
        if (want_rel) {
            *rel_out = bi[u];
            continue;
        }
        if (tail)
            spv_store_t(out + cu, best[u], t);
        else
            spv_store_out(out + cu, best[u]);
        if (idx) {
            if (tail)
                spv_store_idx_t(idx_out + cu, bi[u], anchor, t);
            else
                spv_store_idx(idx_out + cu, bi[u], anchor);
        }
    }
}

/* All channels of one window: blocks of SP_NV vectors, then single vectors,
 * then the tail (an overlapping last vector where the ISA prefers it). */
SPV_INLINE void SPV_FN(sp_max_window)(const sp_mwin *w, int64_t C, float *out, int64_t *idx_out,
                                      int64_t anchor, const int with_idx, const int idx_scalar,
                                      int64_t sp[3], int64_t head)
{
#define SP_MAX_BLOCK(c, nv, tail, t)                                                           \
    SPV_FN(sp_max_block)(w, c, out, idx_out, anchor, nv, tail, t, with_idx, 0, NULL, idx_scalar, sp)
    SP_FOR_CHANNELS(C, head, 1, SP_MAX_BLOCK);
#undef SP_MAX_BLOCK
}

/* The window of output (od, oh, ow) given the D and H parts already set. */
SPV_INLINE int SPV_FN(sp_max_setup_w)(const sp_problem *p, sp_mwin *w, const float *img,
                                      int64_t pix_dh, int64_t ow, int64_t *anchor)
{
    int64_t xw, nw;
    sp_nhwc_axis(&p->axis[SP_W], ow, &xw, &nw, NULL);
    w->n[2] = nw;
    *anchor = pix_dh + xw;
    w->first = img + *anchor * p->channels;
    return nw > 0 && w->n[0] > 0 && w->n[1] > 0;
}

static void SPV_FN(sp_fill_empty)(float *out, int64_t *idx_out, int64_t C)
{
    for (int64_t c = 0; c < C; c++) {
        out[c] = -INFINITY;
        if (idx_out) idx_out[c] = -1;
    }
}

/*
 * A dense kd x kh x kw window (dilation 1, at most 16 taps) lying wholly
 * inside the input, unrolled: p is its first tap's channel 0, rs the element
 * step between its rows and w->step[0] between its planes. Value-only, each
 * row reduces as a small tree and rows then fold in order (planes' rows one
 * after another), always keeping the earlier operand on a tie, which is the
 * scan-order rule; with indices the taps fold one by one in scan order.
 */
SPV_INLINE void SPV_FN(sp_max_dense_block)(const sp_mwin *w, const float *p, int64_t rs, int64_t C,
                                           int64_t c, float *out, int64_t *idx_out,
                                           int64_t anchor, const int nv, const int tail, spv_t t,
                                           const int with_idx, const int kd, const int kh,
                                           const int kw, int64_t iw_in, int64_t sp[3],
                                           spv_i *rel_out)
{
    const int taps = kd * kh * kw, rows = kd * kh;
    const int64_t ds = w->step[0];
    for (int u = 0; u < nv; u++) {
        const float *q = p + c + u * SPV_W;
        spv_f v[16];
#pragma GCC unroll 16
        for (int i = 0; i < taps; i++) {
            const int64_t at = (i / (kh * kw)) * ds + (i / kw % kh) * rs + (i % kw) * C;
            v[i] = tail ? spv_load_t(q + at, t) : spv_load(q + at);
        }
        /* NaN lanes: independent pair compares folded by a tree, so no
         * compare waits on another (a chained accumulator cost 1.6x here). */
        spv_n part[8];
        int np = 0;
#pragma GCC unroll 16
        for (int i = 0; i < taps; i += 2)
            part[np++] = spv_nan_pair(v[i], v[i + 1 < taps ? i + 1 : i]);
#pragma GCC unroll 8
        for (int step = 1; step < np; step *= 2)
#pragma GCC unroll 8
            for (int i = 0; i + step < np; i += 2 * step) part[i] = spv_nan_or(part[i], part[i + step]);
        spv_n nan = part[0];
        spv_f best;
        spv_i bi = spv_iset1(0);
        if (with_idx) {
            best = v[0];
#pragma GCC unroll 16
            for (int i = 1; i < taps; i++) {
                spv_m m = spv_gt(v[i], best);
                best = spv_max(v[i], best);
                const int64_t rel = (i / (kh * kw)) * sp[0] + (i / kw % kh) * iw_in + i % kw;
                bi = spv_iselect(m, bi, spv_iset1((int32_t)rel));
            }
        } else {
            spv_f row[16];
#pragma GCC unroll 16
            for (int h = 0; h < rows; h++) {
                row[h] = v[h * kw];
#pragma GCC unroll 16
                for (int k = 1; k < kw; k++) row[h] = spv_max(v[h * kw + k], row[h]);
            }
            best = row[0];
#pragma GCC unroll 16
            for (int h = 1; h < rows; h++) best = spv_max(row[h], best);
        }
        const int64_t cu = c + u * SPV_W;
        unsigned fix = spv_nan_lanes(nan) & (tail ? spv_tbits(t) : (1u << SPV_W) - 1u);
        if (__builtin_expect(fix != 0, 0)) {
            float vals[SPV_W];
            int32_t rels[SPV_W];
            spv_store(vals, best);
            spv_istore(rels, bi);
            for (; fix; fix &= fix - 1) {
                int l = __builtin_ctz(fix);
                int64_t rel;
                vals[l] = SPV_FN(sp_max_lane)(w, cu + l, sp, &rel);
                rels[l] = (int32_t)rel;
            }
            best = spv_load(vals);
            bi = spv_iload(rels);
        }
        if (rel_out) { /* the offsets only (nv == 1), for backward */
            *rel_out = bi;
            return;
        }
        if (tail)
            spv_store_t(out + cu, best, t);
        else
            spv_store_out(out + cu, best);
        if (with_idx) {
            if (tail)
                spv_store_idx_t(idx_out + cu, bi, anchor, t);
            else
                spv_store_idx(idx_out + cu, bi, anchor);
        }
    }
}

/* A dense kh x kw window with one D tap (the backward's unrolled argmax too). */
SPV_INLINE void SPV_FN(sp_max_fixed_block)(const sp_mwin *w, const float *p, int64_t rs, int64_t C,
                                           int64_t c, float *out, int64_t *idx_out,
                                           int64_t anchor, const int nv, const int tail, spv_t t,
                                           const int with_idx, const int kh, const int kw,
                                           int64_t iw_in, int64_t sp[3], spv_i *rel_out)
{
    SPV_FN(sp_max_dense_block)(w, p, rs, C, c, out, idx_out, anchor, nv, tail, t, with_idx, 1, kh,
                               kw, iw_in, sp, rel_out);
}

SPV_INLINE void SPV_FN(sp_max_fixed_window)(const sp_mwin *w, int64_t rs, int64_t C, float *out,
                                            int64_t *idx_out, int64_t anchor, const int with_idx,
                                            const int kd, const int kh, const int kw,
                                            int64_t iw_in, int64_t sp[3], int64_t head)
{
    const float *p = w->first;
#define SP_MAX_BLOCK(c, nv, tail, t)                                                           \
    SPV_FN(sp_max_dense_block)(w, p, rs, C, c, out, idx_out, anchor, nv, tail, t, with_idx, kd, \
                               kh, kw, iw_in, sp, NULL)
    SP_FOR_CHANNELS(C, head, 1, SP_MAX_BLOCK);
#undef SP_MAX_BLOCK
}

/*
 * Forward rows [begin, end), one work item per output row (n, od, oh): rows
 * are independent. kd, kh, kw > 0: the problem is a dense kd x kh x kw
 * window, and rows whose D and H windows are whole run their interior pixels
 * unrolled. Only pixels [ow_from, ow_to) of each row.
 */
SPV_INLINE void SPV_FN(sp_max_fwd_rows_dense)(const sp_problem *p, const float *src, float *dst,
                                              int64_t *indices, int64_t begin, int64_t end,
                                              const int with_idx, const int kd, const int kh,
                                              const int kw, int64_t ow_from, int64_t ow_to)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    int64_t sp[3];
    sp_nhwc_pixel_steps(p, sp);
    const int idx_scalar = sp_nhwc_max_span(p) >= SP_NHWC_INT32_SPAN;
    sp_mwin w;
    for (int k = 0; k < 3; k++) {
        w.step[k] = sp[k] * C;
        w.rstep[k] = sp[k];
    }
    const int64_t head = sp_align_head(src, C);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / (ad->out * ah->out), r = item % (ad->out * ah->out);
        int64_t od = r / ah->out, oh = r % ah->out;
        int64_t xd, xh;
        sp_nhwc_axis(ad, od, &xd, &w.n[0], NULL);
        sp_nhwc_axis(ah, oh, &xh, &w.n[1], NULL);
        const float *img = src + n * p->in_plane * C;
        int64_t pix_dh = (xd * ah->in + xh) * aw->in;
        float *out = dst + (item * aw->out + ow_from) * C;
        int64_t *iout = with_idx ? indices + (item * aw->out + ow_from) * C : NULL;
        int64_t fast_begin = 0, fast_end = 0;
        if (kh && w.n[0] == kd && w.n[1] == kh) {
            fast_begin = aw->interior_begin > ow_from ? aw->interior_begin : ow_from;
            fast_end = aw->interior_end < ow_to ? aw->interior_end : ow_to;
        }
        for (int64_t ow = ow_from; ow < ow_to; ow++, out += C, iout = with_idx ? iout + C : NULL) {
            int64_t anchor;
            if (kh && ow == fast_begin && fast_begin < fast_end) {
                /* The unrolled interior: every tap inside, no per-pixel window math. */
                w.n[2] = kw;
                for (; ow < fast_end; ow++, out += C, iout = with_idx ? iout + C : NULL) {
                    anchor = pix_dh + ow * aw->stride - aw->pad_begin;
                    w.first = img + anchor * C;
                    SPV_FN(sp_max_fixed_window)(&w, w.step[1], C, out, iout, anchor, with_idx, kd,
                                                kh, kw, aw->in, sp, head);
                }
                if (ow == ow_to) break;
            }
            if (!SPV_FN(sp_max_setup_w)(p, &w, img, pix_dh, ow, &anchor)) {
                SPV_FN(sp_fill_empty)(out, iout, C);
                continue;
            }
            SPV_FN(sp_max_window)(&w, C, out, iout, anchor, with_idx, idx_scalar, sp, head);
        }
    }
}

/* The same for windows with one D tap (kh, kw > 0: dense kh x kw, or 0, 0). */
SPV_INLINE void SPV_FN(sp_max_fwd_rows)(const sp_problem *p, const float *src, float *dst,
                                        int64_t *indices, int64_t begin, int64_t end,
                                        const int with_idx, const int kh, const int kw,
                                        int64_t ow_from, int64_t ow_to)
{
    SPV_FN(sp_max_fwd_rows_dense)(p, src, dst, indices, begin, end, with_idx, kh ? 1 : 0, kh, kw,
                                  ow_from, ow_to);
}

/* Whether p is a dense kd x kh x kw window whose tap offsets fit int32. */
static int SPV_FN(sp_max_is_dense)(const sp_problem *p, int kd, int kh, int kw)
{
    const sp_axis *a = p->axis;
    return a[SP_D].kernel == kd && a[SP_H].kernel == kh && a[SP_W].kernel == kw &&
           a[SP_D].dilation == 1 && a[SP_H].dilation == 1 && a[SP_W].dilation == 1 &&
           sp_nhwc_max_span(p) < SP_NHWC_INT32_SPAN;
}

/* The general forward: any channels-last problem. 2x2x2 windows (3D U-Net's
 * pools) run their interior unrolled: the generic tap loops cost about 20
 * instructions a tap there. */
simdpool_status SPV_FN(sp_f32_maxpool_fwd_nhwc)(const sp_problem *p, const float *src, float *dst,
                                                int64_t *indices, int64_t begin, int64_t end)
{
    const int64_t OW = p->axis[SP_W].out;
    const int cube2 = SPV_FN(sp_max_is_dense)(p, 2, 2, 2);
    if (indices && cube2)
        SPV_FN(sp_max_fwd_rows_dense)(p, src, dst, indices, begin, end, 1, 2, 2, 2, 0, OW);
    else if (indices)
        SPV_FN(sp_max_fwd_rows_dense)(p, src, dst, indices, begin, end, 1, 0, 0, 0, 0, OW);
    else if (cube2)
        SPV_FN(sp_max_fwd_rows_dense)(p, src, dst, NULL, begin, end, 0, 2, 2, 2, 0, OW);
    else
        SPV_FN(sp_max_fwd_rows_dense)(p, src, dst, NULL, begin, end, 0, 0, 0, 0, 0, OW);
    return SIMDPOOL_OK;
}

/* The exact rule for the flagged lanes of a kh x 3 window (top-left tap q,
 * channel c + lane), for the NaN fix-up of the 3-wide kernels below. */
static __attribute__((noinline, cold)) void SPV_FN(sp_max3x3_lanes)(const float *q, int64_t rs,
                                                                    int64_t C, int kh,
                                                                    unsigned fix, float *vals)
{
    for (; fix; fix &= fix - 1) {
        int l = __builtin_ctz(fix);
        float best = q[l];
        for (int h = 0; h < kh; h++)
            for (int k = 0; k < 3; k++) {
                float v = q[h * rs + k * C + l];
                if (v > best || isnan(v)) best = v;
            }
        vals[l] = best;
    }
}

/* The 3-wide blocks' outputs: the flagged lanes (fix) recomputed exactly
 * from the windows at q0 and q1, then stored. */
SPV_INLINE void SPV_FN(sp_max_k3_store)(const float *q0, const float *q1, int64_t rs, int64_t C,
                                        int kh, unsigned fix, spv_f best0, spv_f best1,
                                        float *o0, float *o1, const int rows, const int tail,
                                        spv_t t)
{
    if (__builtin_expect(fix != 0, 0)) {
        float v0[SPV_W], v1[SPV_W];
        spv_store(v0, best0);
        spv_store(v1, best1);
        SPV_FN(sp_max3x3_lanes)(q0, rs, C, kh, fix, v0);
        if (rows == 2) SPV_FN(sp_max3x3_lanes)(q1, rs, C, kh, fix, v1);
        best0 = spv_load(v0);
        best1 = spv_load(v1);
    }
    if (tail) {
        spv_store_t(o0, best0, t);
        if (rows == 2) spv_store_t(o1, best1, t);
    } else {
        spv_store_out(o0, best0);
        if (rows == 2) spv_store_out(o1, best1);
    }
}

/*
 * One vector of channels (c, or the tail t) of `rows` (1 or 2) output rows
 * of a kh x 3 (kh 3, or 1 with one row) stride-2 max, value only, over `count` interior pixels. `top` is
 * the first window's top-left tap (channel 0); rows of input are rs apart.
 * Window ow spans columns 2ow..2ow+2 of its three rows, so column 2ow+2 is
 * column 0 of the next window: it stays in registers (a[]), and each step
 * loads two columns of 2*rows+1 input rows, the middle row serving both
 * output rows. Each row folds as max(c2, max(c1, c0)) and the rows in order,
 * the earlier operand winning ties (the scan order). NaN: one unordered
 * compare per pair of new taps; a window is flagged if its new pair or the
 * previous one (which holds its first column) saw a NaN, a superset that
 * only costs an exact recompute of a few more lanes.
 */
SPV_INLINE void SPV_FN(sp_max_k3s2_block)(const float *top, int64_t rs, int64_t C, int64_t c,
                                          int64_t count, float *out0, float *out1, const int kh,
                                          const int rows, const int tail, spv_t t)
{
    const int nr = kh == 1 ? 1 : 2 * rows + 1;
    const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
    const float *q = top + c;
#define SP_LD(ptr) (tail ? spv_load_t((ptr), t) : spv_load(ptr))
    spv_f a[5];
    spv_n na = spv_nan_none();
    for (int r = 0; r < nr; r++) {
        a[r] = SP_LD(q + r * rs);
        na = spv_nan_or(na, spv_nan_pair(a[r], a[r]));
    }
    float *o0 = out0 + c, *o1 = out1 + c;
    for (int64_t i = 0; i < count; i++, q += 2 * C, o0 += C, o1 += C) {
        spv_f m[5], d[5];
        spv_n nb[5];
        for (int r = 0; r < nr; r++) {
            spv_f b = SP_LD(q + r * rs + C);
            d[r] = SP_LD(q + r * rs + 2 * C);
            nb[r] = spv_nan_pair(b, d[r]);
            m[r] = spv_max(d[r], spv_max(b, a[r]));
        }
        spv_n nn = nb[0];
        for (int r = 1; r < nr; r++) nn = spv_nan_or(nn, nb[r]);
        spv_f best0 = kh == 1 ? m[0] : spv_max(m[2], spv_max(m[1], m[0]));
        spv_f best1 = best0;
        if (rows == 2) best1 = spv_max(m[4], spv_max(m[3], m[2]));
        unsigned fix = spv_nan_lanes(spv_nan_or(na, nn)) & lanes;
        SPV_FN(sp_max_k3_store)(q, q + 2 * rs, rs, C, kh, fix, best0, best1, o0, o1, rows, tail, t);
        for (int r = 0; r < nr; r++) a[r] = d[r];
        na = nn;
    }
#undef SP_LD
}

/*
 * The same for stride 1 (GoogLeNet's and Inception's 3x3/s1/p1): window ow
 * spans columns ow..ow+2, so each step loads one new column of the rows+2
 * input rows. Each row keeps its last column and the max of its last two
 * columns, so its three-column max costs two max a step, folded in the scan
 * order (new column first, the earlier operand winning ties), and rows+2
 * row maxima serve both output rows. NaN: unordered compares on the new
 * column; a window is flagged if any of its three columns saw one.
 */
SPV_INLINE void SPV_FN(sp_max_k3s1_block)(const float *top, int64_t rs, int64_t C, int64_t c,
                                          int64_t count, float *out0, float *out1, const int kh,
                                          const int rows, const int tail, spv_t t)
{
    const int nr = kh == 1 ? 1 : rows + 2;
    const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
    const float *q = top + c;
#define SP_LD(ptr) (tail ? spv_load_t((ptr), t) : spv_load(ptr))
    spv_f last[4], pair[4];
    /* NaN in the columns one and two steps back: at first columns 0 and 1
     * together, a superset for the second window. */
    spv_n n1 = spv_nan_none();
    for (int r = 0; r < nr; r++) {
        spv_f c0 = SP_LD(q + r * rs);
        last[r] = SP_LD(q + r * rs + C);
        n1 = spv_nan_or(n1, spv_nan_pair(c0, last[r]));
        pair[r] = spv_max(last[r], c0);
    }
    spv_n n2 = n1;
    float *o0 = out0 + c, *o1 = out1 + c;
    for (int64_t i = 0; i < count; i++, q += C, o0 += C, o1 += C) {
        spv_f m[4];
        spv_n nn = spv_nan_none();
        for (int r = 0; r < nr; r += 2) {
            spv_f a = SP_LD(q + r * rs + 2 * C);
            spv_f b = r + 1 < nr ? SP_LD(q + (r + 1) * rs + 2 * C) : a;
            nn = spv_nan_or(nn, spv_nan_pair(a, b));
            m[r] = spv_max(a, pair[r]);
            pair[r] = spv_max(a, last[r]);
            last[r] = a;
            if (r + 1 < nr) {
                m[r + 1] = spv_max(b, pair[r + 1]);
                pair[r + 1] = spv_max(b, last[r + 1]);
                last[r + 1] = b;
            }
        }
        spv_f best0 = kh == 1 ? m[0] : spv_max(m[2], spv_max(m[1], m[0]));
        spv_f best1 = best0;
        if (rows == 2) best1 = spv_max(m[3], spv_max(m[2], m[1]));
        unsigned fix = spv_nan_lanes(spv_nan_or(spv_nan_or(n2, n1), nn)) & lanes;
        SPV_FN(sp_max_k3_store)(q, q + rs, rs, C, kh, fix, best0, best1, o0, o1, rows, tail, t);
        n2 = n1;
        n1 = nn;
    }
#undef SP_LD
}

/* Dense 3-wide windows over 3 rows or 1 (ResNet's 3x3/s2/p1 stem,
 * GoogLeNet's 3x3/s1/p1, 1D sequences' 3/s2), any stride and padding: the
 * picker sends them only problems with one D tap, dilation 1 and in-plane
 * offsets that fit int32. */
SPV_INLINE void SPV_FN(sp_max_k3_rows)(const sp_problem *p, const float *src, float *dst,
                                       int64_t *indices, int64_t begin, int64_t end, const int KH)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t OW = aw->out;
    if (indices) {
        SPV_FN(sp_max_fwd_rows)(p, src, dst, indices, begin, end, 1, KH, 3, 0, OW);
        return;
    }
    const int64_t S = aw->stride;
    if ((S != 1 && S != 2) || (KH == 3 && ah->stride != S) ||
        aw->interior_begin >= aw->interior_end) {
        SPV_FN(sp_max_fwd_rows)(p, src, dst, NULL, begin, end, 0, KH, 3, 0, OW);
        return;
    }
    /* Stride 1 or 2, value only: pairs of output rows share input rows, and
     * neighbouring pixels columns, so rows go two at a time along the width
     * carrying what they share (see sp_max_k3s2_block, sp_max_k3s1_block). */
    const int64_t C = p->channels, iwb = aw->interior_begin, iwe = aw->interior_end;
    const int64_t head = sp_align_head(src, C);
    const int64_t rs = aw->in * C;
    for (int64_t item = begin; item < end;) {
        int64_t n = item / (ad->out * ah->out), r = item % (ad->out * ah->out);
        int64_t od = r / ah->out, oh = r % ah->out;
        int64_t xd, nd;
        sp_nhwc_axis(ad, od, &xd, &nd, NULL);
        if (nd != 1 || oh < ah->interior_begin || oh >= ah->interior_end) {
            SPV_FN(sp_max_fwd_rows)(p, src, dst, NULL, item, item + 1, 0, KH, 3, 0, OW);
            item++;
            continue;
        }
        const int rows =
            SPV_K3S2_ROWS == 2 && KH == 3 && item + 1 < end && oh + 1 < ah->interior_end ? 2 : 1;
        SPV_FN(sp_max_fwd_rows)(p, src, dst, NULL, item, item + rows, 0, KH, 3, 0, iwb);
        SPV_FN(sp_max_fwd_rows)(p, src, dst, NULL, item, item + rows, 0, KH, 3, iwe, OW);
        const float *top = src + n * p->in_plane * C +
                           ((xd * ah->in + oh * ah->stride - ah->pad_begin) * aw->in + iwb * S -
                            aw->pad_begin) * C;
        float *out0 = dst + (item * OW + iwb) * C, *out1 = out0 + OW * C;
        /* The channel blocks pass over the rows one after another, so the
         * width goes in chunks whose input stays in L1 between the passes. */
        const int64_t in_rows = KH == 1 ? 1 : S == 2 ? 2 * rows + 1 : rows + 2;
        int64_t chunk = 16384 / (in_rows * S * C * (int64_t)sizeof(float));
        chunk = chunk < 2 ? 2 : chunk > 64 ? 64 : chunk;
        for (int64_t x = iwb; x < iwe; x += chunk) {
            const int64_t cnt = iwe - x < chunk ? iwe - x : chunk;
#define SP_K3_BLOCK(c, nv, tail, t)                                                            \
    for (int u_ = 0; u_ < (nv); u_++) {                                                        \
        const int64_t ch_ = (c) + u_ * SPV_W;                                                  \
        if (KH == 1 && S == 1)                                                                 \
            SPV_FN(sp_max_k3s1_block)(top, rs, C, ch_, cnt, out0, out1, 1, 1, tail, t);        \
        else if (KH == 1)                                                                      \
            SPV_FN(sp_max_k3s2_block)(top, rs, C, ch_, cnt, out0, out1, 1, 1, tail, t);        \
        else if (S == 1 && rows == 2)                                                          \
            SPV_FN(sp_max_k3s1_block)(top, rs, C, ch_, cnt, out0, out1, 3, 2, tail, t);        \
        else if (S == 1)                                                                       \
            SPV_FN(sp_max_k3s1_block)(top, rs, C, ch_, cnt, out0, out1, 3, 1, tail, t);        \
        else if (rows == 2)                                                                    \
            SPV_FN(sp_max_k3s2_block)(top, rs, C, ch_, cnt, out0, out1, 3, 2, tail, t);        \
        else                                                                                   \
            SPV_FN(sp_max_k3s2_block)(top, rs, C, ch_, cnt, out0, out1, 3, 1, tail, t);        \
    }
            SP_FOR_CHANNELS(C, head, 1, SP_K3_BLOCK);
#undef SP_K3_BLOCK
            top += S * cnt * C;
            out0 += cnt * C;
            out1 += cnt * C;
        }
        item += rows;
    }
}

simdpool_status SPV_FN(sp_f32_maxpool_fwd_nhwc_3x3)(const sp_problem *p, const float *src,
                                                    float *dst, int64_t *indices, int64_t begin,
                                                    int64_t end)
{
    /* the window height a constant in each copy, so its loops unroll */
    if (p->axis[SP_H].kernel == 1)
        SPV_FN(sp_max_k3_rows)(p, src, dst, indices, begin, end, 1);
    else
        SPV_FN(sp_max_k3_rows)(p, src, dst, indices, begin, end, 3);
    return SIMDPOOL_OK;
}

simdpool_status SPV_FN(sp_f32_maxpool_fwd_nhwc_2x2)(const sp_problem *p, const float *src,
                                                    float *dst, int64_t *indices, int64_t begin,
                                                    int64_t end)
{
    if (indices)
        SPV_FN(sp_max_fwd_rows)(p, src, dst, indices, begin, end, 1, 2, 2, 0, p->axis[SP_W].out);
    else
        SPV_FN(sp_max_fwd_rows)(p, src, dst, NULL, begin, end, 0, 2, 2, 0, p->axis[SP_W].out);
    return SIMDPOOL_OK;
}

/* Backward. The gathers and the disjoint windows' overwrite write each
 * diff_src element once, through spv_store_out, so the streaming build
 * streams them (out of cache a plain store first reads the line: 1.4x the
 * time on 8x64x224x224 2x2 s2); the paths that add into diff_src store
 * plainly in both builds. */

/* Backward for windows whose tap offsets do not fit int32 (inputs of 2^31
 * pixels and more): element by element, with the reference's checks. */
static __attribute__((noinline, cold)) simdpool_status
SPV_FN(sp_max_bwd_lanes)(const sp_mwin *w, int64_t C, const float *dd, const int64_t *idx,
                         float *ds_img, int64_t anchor, int64_t sp[3], const sp_problem *p,
                         int64_t od, int64_t oh, int64_t ow)
{
    for (int64_t c = 0; c < C; c++) {
        int64_t at;
        if (idx) {
            at = idx[c];
            if (at < 0 || at >= p->in_plane) return SIMDPOOL_ERR_BAD_INDEX;
            int64_t iw = at % p->axis[SP_W].in, ih = at / p->axis[SP_W].in % p->axis[SP_H].in;
            int64_t id = at / p->axis[SP_W].in / p->axis[SP_H].in;
            if (!sp_axis_is_valid_tap(&p->axis[SP_D], od, id) ||
                !sp_axis_is_valid_tap(&p->axis[SP_H], oh, ih) ||
                !sp_axis_is_valid_tap(&p->axis[SP_W], ow, iw))
                return SIMDPOOL_ERR_BAD_INDEX;
        } else {
            int64_t rel;
            (void)SPV_FN(sp_max_lane)(w, c, sp, &rel);
            at = anchor + rel;
        }
        ds_img[at * C + c] += dd[c];
    }
    return SIMDPOOL_OK;
}

/*
 * Scatters one block of channels of one output: each valid tap of the window
 * (scan order) compares its offset with the lanes' offsets and adds diff_dst
 * where they match, so there is no gather/scatter and the adds into any
 * diff_src element happen in output order, as in the reference. A saved index
 * that matches no tap is reported before anything is added through it.
 * With `overwrite` (windows that do not overlap) the taps are written, not
 * added to: no read of diff_src. They stream (in the streaming build) where
 * one vector is a whole line: 8-lane halves of a line, three taps apart,
 * took 1.4x the time of plain stores on AVX2 (8x64x224x224 2x2 s2), and
 * storing the two halves one after the other made the in-cache U-Net pool
 * 1.7x slower.
 */
SPV_INLINE simdpool_status SPV_FN(sp_max_bwd_block)(const sp_mwin *w, int64_t c, const float *dd,
                                                    const int64_t *idx, float *ds_first,
                                                    int64_t anchor, int64_t span, const int tail,
                                                    spv_t t, int64_t sp[3], const int overwrite,
                                                    const int64_t n0, const int64_t n1,
                                                    const int64_t n2)
{
    const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
    spv_i rel;
    if (idx) {
        spv_m minus1;
        spv_m in = tail ? spv_load_idx_rel_t(idx + c, anchor, span + 1, t, &rel, &minus1)
                        : spv_load_idx_rel(idx + c, anchor, span + 1, &rel, &minus1);
        if (spv_mbits(in) != lanes) return SIMDPOOL_ERR_BAD_INDEX;
    } else {
        SPV_FN(sp_max_block)(w, c, NULL, NULL, 0, 1, tail, t, 1, 1, &rel, 0, sp);
    }
    spv_f g = tail ? spv_load_t(dd + c, t) : spv_load(dd + c);
    spv_m matched = spv_mnone();
    const float *pd = ds_first + c;
    int64_t rd = 0;
    for (int64_t a = 0; a < n0; a++, pd += w->step[0], rd += w->rstep[0]) {
        const float *ph = pd;
        int64_t rh = rd;
        for (int64_t b = 0; b < n1; b++, ph += w->step[1], rh += w->rstep[1]) {
            float *q = (float *)ph;
            int64_t r = rh;
            for (int64_t k = 0; k < n2; k++, q += w->step[2], r += w->rstep[2]) {
                spv_m m = spv_ieq(rel, spv_iset1((int32_t)r));
                matched = spv_mor(matched, m);
                /* overwrite: this output is the pixel's only one (+0 + g, as
                 * the reference adds, so -0.0 becomes +0.0) */
                spv_f s = overwrite ? spv_zero() : tail ? spv_load_t(q, t) : spv_load(q);
                s = spv_add_m(s, m, g);
                if (tail)
                    spv_store_t(q, s, t);
                else if (overwrite && SPV_W * sizeof(float) == 64)
                    spv_store_out(q, s);
                else
                    spv_store(q, s);
            }
        }
    }
    if ((spv_mbits(matched) & lanes) != lanes) return SIMDPOOL_ERR_BAD_INDEX;
    return SIMDPOOL_OK;
}

/* All channels of one output; n0..n2 are the window's tap counts (w->n), as
 * constants where the caller knows them, so the taps unroll. */
SPV_INLINE simdpool_status SPV_FN(sp_max_bwd_pixel)(const sp_mwin *w, int64_t C, const float *dd,
                                                    const int64_t *idx, float *ds_first,
                                                    int64_t anchor, int64_t span, int64_t sp[3],
                                                    const int overwrite, const int64_t n0,
                                                    const int64_t n1, const int64_t n2)
{
    int64_t c = 0;
    for (; c + SPV_W <= C; c += SPV_W) {
        simdpool_status st = SPV_FN(sp_max_bwd_block)(w, c, dd, idx, ds_first, anchor, span, 0,
                                                      spv_tail(SPV_W), sp, overwrite, n0, n1, n2);
        if (st != SIMDPOOL_OK) return st;
    }
    if (c < C)
        return SPV_FN(sp_max_bwd_block)(w, c, dd, idx, ds_first, anchor, span, 1, spv_tail(C - c),
                                        sp, overwrite, n0, n1, n2);
    return SIMDPOOL_OK;
}

/*
 * Backward from saved indices by gathering: each diff_src pixel is written
 * once, as the sum over the outputs whose windows reach it, in output order,
 * of diff_dst where the output's index names this pixel. The adds into any
 * element are the reference's adds in the reference's order (from +0), so
 * the result is bit-identical, with no clearing pass and no read-modify-write.
 *
 * An index that names no valid tap of its window is never matched, so it is
 * never written through; to report it, every lane counts its matches over
 * the image: an index matches at most once (its own pixel), so the count
 * equals the number of non-empty windows exactly when every index is valid.
 * This pass covers channels [c, c + nv*SPV_W) (or the tail t) of one image.
 */
SPV_INLINE int SPV_FN(sp_max_gather_pass)(const sp_problem *p, const float *dd_img,
                                          const int64_t *idx_img, float *ds_img, int64_t c,
                                          const int nv, const int tail, spv_t t,
                                          int32_t expected)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels, OH = ah->out, OW = aw->out;
    spv_i cnt[SP_NV];
    for (int u = 0; u < nv; u++) cnt[u] = spv_iset1(0);
    float *ds = ds_img + c;
    int64_t x = 0;
    for (int64_t id = 0; id < ad->in; id++) {
        int64_t dlo, dhi;
        sp_axis_covering(ad, id, &dlo, &dhi);
        for (int64_t ih = 0; ih < ah->in; ih++) {
            int64_t hlo, hhi;
            sp_axis_covering(ah, ih, &hlo, &hhi);
            sp_cover_iter wi;
            sp_cover_init(aw, &wi);
            for (int64_t iw = 0; iw < aw->in; iw++, x++, ds += C, sp_cover_next(aw, &wi)) {
                spv_f acc[SP_NV];
                for (int u = 0; u < nv; u++) acc[u] = spv_zero();
                for (int64_t od = dlo; od <= dhi; od++) {
                    if (!sp_axis_covers(ad, id, od)) continue;
                    for (int64_t oh = hlo; oh <= hhi; oh++) {
                        if (!sp_axis_covers(ah, ih, oh)) continue;
                        int64_t orow = (od * OH + oh) * OW;
                        for (int64_t ow = wi.lo; ow <= wi.hi; ow++) {
                            if (!sp_axis_covers(aw, iw, ow)) continue;
                            const int64_t off = (orow + ow) * C + c;
                            for (int u = 0; u < nv; u++) {
                                const int64_t *ip = idx_img + off + u * SPV_W;
                                const float *gp = dd_img + off + u * SPV_W;
                                spv_m m = tail ? spv_idx_eq_t(ip, x, t) : spv_idx_eq(ip, x);
                                acc[u] = spv_add_m(acc[u], m, tail ? spv_load_t(gp, t) : spv_load(gp));
                                cnt[u] = spv_icount(cnt[u], m);
                            }
                        }
                    }
                }
                for (int u = 0; u < nv; u++) {
                    if (tail)
                        spv_store_t(ds, acc[u], t);
                    else
                        spv_store_out(ds + u * SPV_W, acc[u]);
                }
            }
        }
    }
    const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
    for (int u = 0; u < nv; u++)
        if ((spv_mbits(spv_ieq(cnt[u], spv_iset1(expected))) & lanes) != lanes) return 0;
    return 1;
}

/* Windows without a valid tap (big padding) take no part in the gathers
 * and the ring: their saved indices must say -1. */
static int SPV_FN(sp_max_empty_windows_ok)(const sp_problem *p, const int64_t *idx_img)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    if (sp_axis_nonempty(ad) == ad->out && sp_axis_nonempty(ah) == ah->out &&
        sp_axis_nonempty(aw) == aw->out)
        return 1;
    int64_t o = 0;
    for (int64_t od = 0; od < ad->out; od++)
        for (int64_t oh = 0; oh < ah->out; oh++)
            for (int64_t ow = 0; ow < aw->out; ow++, o++) {
                int64_t x0, cd, chh, cw;
                sp_nhwc_axis(ad, od, &x0, &cd, NULL);
                sp_nhwc_axis(ah, oh, &x0, &chh, NULL);
                sp_nhwc_axis(aw, ow, &x0, &cw, NULL);
                if (cd && chh && cw) continue;
                for (int64_t c = 0; c < C; c++)
                    if (idx_img[o * C + c] != -1) return 0;
            }
    return 1;
}

static simdpool_status SPV_FN(sp_max_bwd_gather)(const sp_problem *p, const float *diff_dst,
                                                 const int64_t *indices, float *diff_src,
                                                 int64_t begin, int64_t end)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    const int64_t nd = sp_axis_nonempty(ad), nh = sp_axis_nonempty(ah), nw = sp_axis_nonempty(aw);
    const int32_t expected = (int32_t)(nd * nh * nw);
    for (int64_t n = begin; n < end; n++) {
        const float *dd_img = diff_dst + n * p->out_plane * C;
        const int64_t *idx_img = indices + n * p->out_plane * C;
        float *ds_img = diff_src + n * p->in_plane * C;
        if (!SPV_FN(sp_max_empty_windows_ok)(p, idx_img)) return SIMDPOOL_ERR_BAD_INDEX;
        int ok = 1;
#define SP_GATHER(c, nv, tail, t)                                                              \
    ok &= SPV_FN(sp_max_gather_pass)(p, dd_img, idx_img, ds_img, c, nv, tail, t, expected)
        SP_FOR_CHANNELS(C, 0, 1, SP_GATHER);
#undef SP_GATHER
        if (!ok) return SIMDPOOL_ERR_BAD_INDEX;
    }
    return SIMDPOOL_OK;
}

/*
 * Max backward by gathering, from saved indices or recomputed from src: the
 * chosen tap of each output, as an int32 spatial index, goes into a small
 * stack ring holding the output rows that the current input row feeds, for
 * one strip of columns and one chunk of channels; then each diff_src pixel
 * of the strip is written once, as the sum in output order of diff_dst where
 * the output's tap is this pixel. The adds into any element are the
 * reference's adds in its order (from +0), so the result is bit-identical,
 * with no clearing pass and no read-modify-write.
 *
 * Saved indices are narrowed and checked once per output as they enter the
 * ring (each must name a valid tap of its window; -1 only an empty window),
 * so the gather compares int32 lanes, one compare per (output, pixel).
 * Recomputed ones follow the forward rules (NaN fix-up included).
 */
#define SP_RING_INTS 8192 /* 32 KiB */
#define SP_RING_CH 64     /* channels per chunk (a multiple of every SPV_W) */
#define SP_RING_PAIRS 64  /* ring rows, and outputs that may cover one pixel */
/* Vectors per gather block: SP_FOR_CHANNELS_NV's 4/2/1 ladder covers the
 * remainder only for blocks of up to 8. */
#define SP_RING_NV (SP_RING_CH / SPV_W < 8 ? SP_RING_CH / SPV_W : 8)

typedef struct sp_ring_shape {
    int64_t rd; /* output rows along D in the ring: all of them */
    int64_t rh; /* output rows along H that may cover one input row */
    int64_t S;      /* outputs per ring row */
} sp_ring_shape;

static int SPV_FN(sp_max_ring_fits)(const sp_problem *p, sp_ring_shape *g)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    if (p->in_plane >= ((int64_t)1 << 31)) return 0;
    /* At most ceil(extent / stride) outputs of an axis cover one coordinate.
     * Input rows go H-major (all depths of one input H row, then the next),
     * so the ring keeps every output D row: each output row is filled once
     * per strip, where a D-major order refilled it for every input depth. */
    g->rd = ad->out;
    g->rh = (ah->extent - 1) / ah->stride + 1;
    const int64_t R = g->rd * g->rh, cover_d = (ad->extent - 1) / ad->stride + 1;
    if (R > SP_RING_PAIRS || cover_d * g->rh * ((aw->extent - 1) / aw->stride + 1) > SP_RING_PAIRS)
        return 0;
    g->S = SP_RING_INTS / (R * SP_RING_CH);
    /* a strip of one input column needs ceil((extent_w - 1) / stride_w) + 1 outputs */
    return g->S >= (aw->extent + aw->stride - 2) / aw->stride + 1;
}

/* Saved indices of channels [0, cc) of one output into its ring entry, as
 * in-plane int32; 0 when one names no valid tap of the window. The offset
 * from the first valid tap must be a row's start (one per valid D, H pair)
 * plus a W tap: a range check per row (a multiple of the step if dilated). */
SPV_INLINE int SPV_FN(sp_ring_put_saved)(const sp_mwin *w, const int64_t *idx, int64_t anchor,
                                         int64_t cc, const int64_t sp[3], int32_t *rp)
{
    const int64_t span = (w->n[0] - 1) * sp[0] + (w->n[1] - 1) * sp[1] + (w->n[2] - 1) * sp[2];
    for (int64_t c = 0; c < cc; c += SPV_W) {
        const int tail = c + SPV_W > cc;
        const spv_t t = spv_tail(tail ? cc - c : SPV_W);
        spv_i rel;
        spv_m minus1; /* -1 is out of range of a non-empty window anyway */
        spv_m in = tail ? spv_load_idx_rel_t(idx + c, anchor, span + 1, t, &rel, &minus1)
                        : spv_load_idx_rel(idx + c, anchor, span + 1, &rel, &minus1);
        spv_m tap = spv_mnone();
        for (int64_t a = 0; a < w->n[0]; a++)
            for (int64_t b = 0; b < w->n[1]; b++) {
                const spv_i r = spv_iadd1(rel, (int32_t)-(a * sp[0] + b * sp[1]));
                if (sp[2] == 1)
                    tap = spv_mor(tap, spv_ibelow(r, (int32_t)w->n[2]));
                else
                    for (int64_t k = 0; k < w->n[2]; k++)
                        tap = spv_mor(tap, spv_ieq(r, spv_iset1((int32_t)(k * sp[2]))));
            }
        const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
        if ((spv_mbits(in) & spv_mbits(tap) & lanes) != lanes) return 0;
        spv_istore(rp + c, spv_iadd1(rel, (int32_t)anchor));
    }
    return 1;
}

/* The argmax of channels [c0, c0 + cc) of one output into its ring entry,
 * by the forward rules. */
SPV_INLINE void SPV_FN(sp_ring_put_argmax)(const sp_problem *p, const sp_mwin *w, int64_t anchor,
                                           int64_t c0, int64_t cc, int dense3, int64_t sp[3],
                                           int32_t *rp)
{
    const int64_t C = p->channels;
    if (dense3 && w->n[0] == 1 && w->n[1] == 3 && w->n[2] == 3) {
        /* A whole 3x3 window: the unrolled argmax. */
        for (int64_t c = 0; c < cc; c += SPV_W) {
            spv_i rel;
            if (c + SPV_W <= cc)
                SPV_FN(sp_max_fixed_block)(w, w->first, w->step[1], C, c0 + c, NULL, NULL, 0, 1,
                                           0, spv_tail(SPV_W), 1, 3, 3, p->axis[SP_W].in, sp,
                                           &rel);
            else
                SPV_FN(sp_max_fixed_block)(w, w->first, w->step[1], C, c0 + c, NULL, NULL, 0, 1,
                                           1, spv_tail(cc - c), 1, 3, 3, p->axis[SP_W].in, sp,
                                           &rel);
            spv_istore(rp + c, spv_iadd1(rel, (int32_t)anchor));
        }
        return;
    }
    for (int64_t c = 0; c < cc; c += SPV_W) {
        spv_i rel;
        if (c + SPV_W <= cc)
            SPV_FN(sp_max_block)(w, c0 + c, NULL, NULL, 0, 1, 0, spv_tail(SPV_W), 1, 1, &rel, 0,
                                 sp);
        else
            SPV_FN(sp_max_block)(w, c0 + c, NULL, NULL, 0, 1, 1, spv_tail(cc - c), 1, 1, &rel, 0,
                                 sp);
        spv_istore(rp + c, spv_iadd1(rel, (int32_t)anchor));
    }
}

/* Channels [c, c + nv*SPV_W) (or the tail t) of one pixel (spatial index
 * in xv): the sum, in output order, of diff_dst where the output's tap is
 * this pixel, over the covering ring rows (rows[r], dd_rows[r]) and the
 * covering outputs [wlo, whi] of each. */
SPV_INLINE void SPV_FN(sp_ring_gather)(float *ds, spv_i xv, const int32_t *const *rows,
                                       const float *const *dd_rows, int nr, const sp_axis *aw,
                                       int64_t iw, int64_t wlo, int64_t whi, int64_t owlo,
                                       int64_t C, int64_t c, const int nv, const int tail,
                                       spv_t t)
{
    spv_f acc[SP_RING_NV];
    for (int u = 0; u < nv; u++) acc[u] = spv_zero();
    for (int r = 0; r < nr; r++)
        for (int64_t ow = wlo; ow <= whi; ow++) {
            if (!sp_axis_covers(aw, iw, ow)) continue;
            const int32_t *rp = rows[r] + (ow - owlo) * SP_RING_CH + c;
            const float *gp = dd_rows[r] + ow * C + c;
            for (int u = 0; u < nv; u++) {
                spv_m m = spv_ieq(spv_iload(rp + u * SPV_W), xv);
                acc[u] = spv_add_m(acc[u], m, tail ? spv_load_t(gp, t) : spv_load(gp + u * SPV_W));
            }
        }
    for (int u = 0; u < nv; u++) {
        if (tail)
            spv_store_t(ds + c, acc[u], t);
        else
            spv_store_out(ds + c + u * SPV_W, acc[u]);
    }
}

static simdpool_status SPV_FN(sp_max_bwd_ring)(const sp_problem *p, const float *diff_dst,
                                               const int64_t *indices, const float *src,
                                               float *diff_src, int64_t begin, int64_t end,
                                               const sp_ring_shape *g)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels, OH = ah->out, OW = aw->out, S = g->S;
    int64_t sp[3];
    sp_nhwc_pixel_steps(p, sp);
    sp_mwin w;
    for (int k = 0; k < 3; k++) {
        w.step[k] = sp[k] * C;
        w.rstep[k] = sp[k];
    }
    int32_t ring[SP_RING_INTS];
    int64_t ring_row[SP_RING_PAIRS]; /* which output row (od * OH + oh) each slot holds */
    const int dense3 = ah->kernel == 3 && aw->kernel == 3 && ah->dilation == 1 && aw->dilation == 1;
    /* A strip of x1 - x0 = (S - per_col) * stride columns feeds at most S
     * outputs: floor((x1 - x0 + extent - 2) / stride) + 1 <= S. */
    const int64_t per_col = (aw->extent + aw->stride - 2) / aw->stride;
    for (int64_t n = begin; n < end; n++) {
        const float *dd_img = diff_dst + n * p->out_plane * C;
        const int64_t *idx_img = indices ? indices + n * p->out_plane * C : NULL;
        float *ds_img = diff_src + n * p->in_plane * C;
        /* setup_w's tap pointers are only followed when recomputing */
        const float *img = src ? src + n * p->in_plane * C : ds_img;
        if (idx_img && !SPV_FN(sp_max_empty_windows_ok)(p, idx_img)) return SIMDPOOL_ERR_BAD_INDEX;
        for (int64_t c0 = 0; c0 < C; c0 += SP_RING_CH) {
            const int64_t cc = C - c0 < SP_RING_CH ? C - c0 : SP_RING_CH;
            for (int64_t x0 = 0; x0 < aw->in;) {
                /* Input columns [x0, x1) feed outputs [owlo, owhi], at most S of them. */
                int64_t x1 = x0 + (S - per_col) * aw->stride;
                if (x1 > aw->in) x1 = aw->in;
                int64_t owlo, owhi, unused;
                sp_axis_covering(aw, x0, &owlo, &unused);
                sp_axis_covering(aw, x1 - 1, &unused, &owhi);
                for (int64_t r = 0; r < g->rd * g->rh; r++) ring_row[r] = -1;
                for (int64_t ih = 0; ih < ah->in; ih++) {
                    int64_t hlo, hhi;
                    sp_axis_covering(ah, ih, &hlo, &hhi);
                    for (int64_t id = 0; id < ad->in; id++) {
                        int64_t dlo, dhi;
                        sp_axis_covering(ad, id, &dlo, &dhi);
                        /* Bring the rows this input row feeds into the ring. */
                        for (int64_t od = dlo; od <= dhi; od++) {
                            if (!sp_axis_covers(ad, id, od)) continue;
                            int64_t xd;
                            sp_nhwc_axis(ad, od, &xd, &w.n[0], NULL);
                            for (int64_t oh = hlo; oh <= hhi; oh++) {
                                if (!sp_axis_covers(ah, ih, oh)) continue;
                                const int64_t slot = od * g->rh + oh % g->rh;
                                const int64_t key = od * OH + oh;
                                if (ring_row[slot] == key) continue;
                                ring_row[slot] = key;
                                int64_t xh;
                                sp_nhwc_axis(ah, oh, &xh, &w.n[1], NULL);
                                const int64_t pix_dh = (xd * ah->in + xh) * aw->in;
                                for (int64_t ow = owlo; ow <= owhi; ow++) {
                                    int32_t *rp = ring + (slot * S + (ow - owlo)) * SP_RING_CH;
                                    const int64_t *idx =
                                        idx_img ? idx_img + ((key * OW) + ow) * C + c0 : NULL;
                                    int64_t anchor;
                                    if (!SPV_FN(sp_max_setup_w)(p, &w, img, pix_dh, ow, &anchor)) {
                                        for (int64_t c = 0; c < cc; c++) {
                                            if (idx && idx[c] != -1) return SIMDPOOL_ERR_BAD_INDEX;
                                            rp[c] = -1;
                                        }
                                    } else if (idx) {
                                        if (!SPV_FN(sp_ring_put_saved)(&w, idx, anchor, cc, sp, rp))
                                            return SIMDPOOL_ERR_BAD_INDEX;
                                    } else {
                                        SPV_FN(sp_ring_put_argmax)(p, &w, anchor, c0, cc, dense3,
                                                                   sp, rp);
                                    }
                                }
                            }
                        }
                        /* Gather the strip of this input row: its covering
                         * output rows in output order, then pixel by pixel. */
                        const int32_t *rows[SP_RING_PAIRS];
                        const float *dd_rows[SP_RING_PAIRS];
                        int nr = 0;
                        for (int64_t od = dlo; od <= dhi; od++) {
                            if (!sp_axis_covers(ad, id, od)) continue;
                            for (int64_t oh = hlo; oh <= hhi; oh++) {
                                if (!sp_axis_covers(ah, ih, oh)) continue;
                                const int64_t slot = od * g->rh + oh % g->rh;
                                rows[nr] = ring + slot * S * SP_RING_CH;
                                dd_rows[nr++] = dd_img + (od * OH + oh) * OW * C + c0;
                            }
                        }
                        sp_cover_iter wi;
                        sp_cover_init_at(aw, x0, &wi);
                        const int64_t xrow = (id * ah->in + ih) * aw->in;
                        for (int64_t iw = x0; iw < x1; iw++, sp_cover_next(aw, &wi)) {
                            const spv_i xv = spv_iset1((int32_t)(xrow + iw));
                            float *ds = ds_img + (xrow + iw) * C + c0;
#define SP_RING_BLOCK(c, nv, tail, t)                                                          \
    SPV_FN(sp_ring_gather)(ds, xv, rows, dd_rows, nr, aw, iw, wi.lo, wi.hi, owlo, C, c, nv, tail, t)
                            SP_FOR_CHANNELS_NV(cc, 0, 0, SP_RING_NV, SP_RING_BLOCK);
#undef SP_RING_BLOCK
                        }
                    }
                }
                x0 = x1;
            }
        }
    }
    return SIMDPOOL_OK;
}

/*
 * Max backward from saved indices, 1D and 2D windows of 1 or 3 rows by 3
 * columns (dense, stride 1 or 2 along W: the usual overlapping shapes), by
 * scattering from registers. Output row by output row and channel vector by
 * channel vector, the KH x KW pixels of the current window sit in
 * accumulators; each output compares its saved index with every tap (one
 * int32 compare per tap) and adds its diff_dst into the lanes that match.
 * Along W the accumulators slide by the stride: the columns an output leaves
 * behind are complete for this output row and are stored, the columns that
 * come in are loaded (or start from +0 in a row no earlier output row
 * reaches). Every element thus gets the reference's adds in the reference's
 * order (output rows in order, then outputs along the row), bit-identical,
 * with one load and one store per (output row, pixel) pair, no compare per
 * (output, pixel) pair beyond the window's own taps, and no clearing pass
 * except for the pixels no window reaches.
 *
 * Each index is checked as it is used: it must lie in its window's span and
 * on one of the window's rows inside the image, between its first and last
 * column inside the image. A lane then matches exactly one tap (the taps'
 * offsets differ as IW >= KW). A bad index is reported; diff_src is then
 * unspecified, and nothing was stored outside the image.
 */
#define SP_SLIDE_MAXK 3

/* Can sp_max_bwd_slide take the problem? Windows are all non-empty (a -1
 * index is then always bad), the W stride at most the W kernel (no column
 * between two windows). */
static int SPV_FN(sp_max_slide_fits)(const sp_problem *p)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    return ad->in == 1 && ad->out == 1 && ad->kernel == 1 && sp_axis_nonempty(ad) == 1 &&
           ah->dilation == 1 &&
           aw->dilation == 1 && (ah->kernel == 1 || ah->kernel == 3) && aw->kernel == 3 &&
           (aw->stride == 1 || aw->stride == 2) && aw->in >= aw->kernel &&
           sp_axis_nonempty(ah) == ah->out && sp_axis_nonempty(aw) == aw->out &&
           p->in_plane < ((int64_t)1 << 30);
}

/* The window of one output row as sp_slide_output sees it: `row` is the
 * offset in `img` of channel c of its first row's pixel 0 (rows `rs` floats
 * apart), an offset rather than a pointer because that row may be above the
 * image (a pointer there could not even be formed); `ok`: its rows in the
 * image; `load`: those an earlier output row reached (else they start from
 * +0). */
typedef struct sp_slide_win {
    float *img;
    int64_t row, rs, C, IW, span;
    int ok[SP_SLIDE_MAXK], load[SP_SLIDE_MAXK];
    /* Prefetches (into L2: a row of outputs is more than L1 holds) for the
     * next output row, one row of outputs ahead, since the channel loop
     * inside an output row walks memory with a stride of C, which the
     * hardware prefetchers do not follow (measured 2-3x slower without, once
     * the batch is out of cache): its diff_dst and indices pf_out elements
     * on (the next image's first row after an image's last; 0 after the
     * last), and its new window rows, pf_rows of them from offset pf_row, which it
     * writes without reading. */
    int64_t pf_out;
    int64_t pf_row;
    int pf_rows;
    /* One-row windows (1D) reuse nothing from row to row, and a row can be
     * long (seq1d: 2048 outputs): there each output prefetches the one
     * SP_SLIDE_AHEAD on in its row instead (pf_out = SP_SLIDE_AHEAD * C,
     * pf_row its own row, pf_shift = SP_SLIDE_AHEAD * SW columns on), the
     * outputs before pf_end. */
    int64_t pf_shift, pf_end;
} sp_slide_win;

#define SP_SLIDE_AHEAD 32

/*
 * Output ow (first column iw0, index offsets from a) of an output row: its
 * adds, the check of its indices, the columns it leaves behind stored and
 * those of output ow + 1 loaded (unless it is the row's last). `plain`: all
 * window rows in the image, the first nload of them loaded, the columns of
 * windows ow and ow + 1 all in the image, ow not the last: no test per tap.
 * `pf`: issue its prefetches (sp_slide_win). 0 when an index is bad.
 */
SPV_INLINE int SPV_FN(sp_slide_output)(spv_f acc[][SP_SLIDE_MAXK], const sp_slide_win *w,
                                       const float *dd, const int64_t *idx, int64_t a,
                                       int64_t iw0, const int last, const int plain, int nload,
                                       const int pf,
                                       const int tail, spv_t t, const int KH, const int KW,
                                       const int SW)
{
    const int64_t C = w->C, IW = w->IW;
    const unsigned lanes = tail ? spv_tbits(t) : (1u << SPV_W) - 1u;
    spv_i rel;
    spv_m minus1; /* a window here always has taps: -1 is out of its span */
    const spv_m in = tail ? spv_load_idx_rel_t(idx, a, w->span + 1, t, &rel, &minus1)
                          : spv_load_idx_rel(idx, a, w->span + 1, &rel, &minus1);
    const spv_f g = tail ? spv_load_t(dd, t) : spv_load(dd);
    /* the window's columns inside the image: [klo, khi) */
    const int64_t klo = plain || iw0 >= 0 ? 0 : -iw0;
    const int64_t khi = plain || iw0 + KW <= IW ? KW : IW - iw0;
    spv_m matched = spv_mnone();
#pragma GCC unroll 3
    for (int kh = 0; kh < KH; kh++) {
        if (!plain && !w->ok[kh]) continue;
        const spv_i r = spv_iadd1(rel, (int32_t)-(kh * IW + klo));
        matched = spv_mor(matched, spv_ibelow(r, (int32_t)(khi - klo)));
#pragma GCC unroll 3
        for (int kw = 0; kw < KW; kw++)
            acc[kh][kw] = spv_add_m(acc[kh][kw], spv_ieq(rel, spv_iset1((int32_t)(kh * IW + kw))), g);
    }
    if ((spv_mbits(in) & spv_mbits(matched) & lanes) != lanes) return 0;
    if (pf) {
        __builtin_prefetch(idx + w->pf_out, 0, 2);
        __builtin_prefetch(idx + w->pf_out + SPV_W - 1, 0, 2);
        __builtin_prefetch(dd + w->pf_out, 0, 2);
        for (int j = 0; j < w->pf_rows; j++)
#pragma GCC unroll 3
            for (int kw = 0; kw < SW; kw++) {
                const int64_t col = iw0 + w->pf_shift + kw;
                if ((plain && KH > 1) || (col >= 0 && col < IW))
                    __builtin_prefetch(
                        (const void *)((uintptr_t)w->img +
                                       (uintptr_t)((w->pf_row + j * w->rs + col * C) * 4)),
                        1, 2);
            }
    }
    const int64_t col0 = w->row + iw0 * C;
#pragma GCC unroll 3
    for (int kw = 0; kw < KW; kw++) {
        if (!(kw < SW || last) || (!plain && (kw < klo || kw >= khi))) continue;
#pragma GCC unroll 3
        for (int kh = 0; kh < KH; kh++) {
            if (!plain && !w->ok[kh]) continue;
            float *q = w->img + (col0 + kh * w->rs + kw * C);
            if (tail)
                spv_store_t(q, acc[kh][kw], t);
            else
                spv_store(q, acc[kh][kw]);
        }
    }
    if (last) return 1;
#pragma GCC unroll 3
    for (int kw = 0; kw < KW; kw++) {
        const int64_t col = iw0 + SW + kw;
#pragma GCC unroll 3
        for (int kh = 0; kh < KH; kh++) {
            if (kw + SW < KW) {
                acc[kh][kw] = acc[kh][kw + SW];
                continue;
            }
            acc[kh][kw] = spv_zero();
            const int ld = plain ? kh < nload : w->load[kh] && col >= 0 && col < IW;
            if (ld) {
                const float *q = w->img + (col0 + kh * w->rs + (SW + kw) * C);
                acc[kh][kw] = tail ? spv_load_t(q, t) : spv_load(q);
            }
        }
    }
    return 1;
}

/* One output row (first window row ih0) for channels [c, c + SPV_W) (or the
 * tail t); fresh[kh]: no earlier output row reached window row kh;
 * more_rows: another output row follows. 0 when an index is bad. */
SPV_INLINE int SPV_FN(sp_max_slide_row)(const sp_problem *p, const float *dd, const int64_t *idx,
                                        float *ds_img, int64_t ih0, const int *fresh,
                                        const int more_rows, const int more_images, int64_t c,
                                        const int tail, spv_t t,
                                        const int KH, const int KW, const int SW)
{
    const sp_axis *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels, IW = aw->in, OW = aw->out, PW = aw->pad_begin;
    sp_slide_win w;
    w.C = C;
    w.IW = IW;
    w.rs = IW * C;
    w.span = (KH - 1) * IW + KW - 1;
    w.img = ds_img;
    w.row = ih0 * IW * C + c;
    /* plain rows: all inside, the first nload loaded, the rest fresh */
    int all_ok = 1, nload = 0;
    for (int kh = 0; kh < KH; kh++) {
        const int64_t ih = ih0 + kh;
        w.ok[kh] = ih >= 0 && ih < ah->in;
        w.load[kh] = w.ok[kh] && !fresh[kh];
        all_ok &= w.ok[kh];
        nload += w.load[kh];
    }
    for (int kh = 0; kh < KH; kh++) all_ok &= w.load[kh] == (kh < nload);
    const int64_t next0 = ih0 + ah->stride; /* the next output row's first window row */
    w.pf_out = more_rows || more_images ? OW * C : 0;
    w.pf_rows = 0;
    w.pf_row = w.row;
    w.pf_shift = 0;
    w.pf_end = OW;
    if (KH == 1) {
        w.pf_out = SP_SLIDE_AHEAD * C;
        w.pf_rows = w.ok[0];
        w.pf_shift = SP_SLIDE_AHEAD * SW;
        w.pf_end = OW - SP_SLIDE_AHEAD;
    } else if (more_rows) {
        /* rows [max(next0, ih0 + KH), next0 + KH) inside the image */
        int64_t first = next0 > ih0 + KH ? next0 : ih0 + KH, stop = next0 + KH;
        if (stop > ah->in) stop = ah->in;
        if (first < stop) {
            w.pf_row = first * IW * C + c;
            w.pf_rows = (int)(stop - first);
        }
    }
    spv_f acc[SP_SLIDE_MAXK][SP_SLIDE_MAXK];
    /* the window of output 0: columns -PW .. KW - 1 - PW */
#pragma GCC unroll 3
    for (int kw = 0; kw < KW; kw++) {
        const int64_t col = kw - PW;
#pragma GCC unroll 3
        for (int kh = 0; kh < KH; kh++) {
            acc[kh][kw] = spv_zero();
            if (w.load[kh] && col >= 0 && col < IW) {
                const float *q = w.img + (w.row + kh * w.rs + col * C);
                acc[kh][kw] = tail ? spv_load_t(q, t) : spv_load(q);
            }
        }
    }
    /* plain outputs [lo, hi): windows ow and ow + 1 inside, ow not the last */
    int64_t lo = (PW + SW - 1) / SW, hi = (IW + PW - KW) / SW;
    if (hi > OW - 1) hi = OW - 1;
    if (!all_ok || lo > OW) lo = OW;
    if (hi < lo) hi = lo;
    const int64_t a0 = ih0 * IW - PW;
    int64_t ow = 0;
#define SP_SLIDE_OUT(plain)                                                                    \
    SPV_FN(sp_slide_output)(acc, &w, dd + ow * C, idx + ow * C, a0 + ow * SW, ow * SW - PW,   \
                            ow + 1 == OW, plain, nload, ow < w.pf_end, tail, t, KH, KW, SW)
    for (; ow < lo; ow++)
        if (!SP_SLIDE_OUT(0)) return 0;
    for (; ow < hi; ow++)
        if (!SP_SLIDE_OUT(1)) return 0;
    for (; ow < OW; ow++)
        if (!SP_SLIDE_OUT(0)) return 0;
#undef SP_SLIDE_OUT
    return 1;
}

/* One image, KH x KW windows with W stride SW as constants. */
SPV_INLINE simdpool_status SPV_FN(sp_max_slide_image)(const sp_problem *p, const float *dd_img,
                                                      const int64_t *idx_img, float *ds_img,
                                                      const int more_images, const int KH,
                                                      const int KW, const int SW)
{
    const sp_axis *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels, IH = ah->in, IW = aw->in, OW = aw->out;
    /* columns past the last window, reached by no output */
    int64_t wend = (OW - 1) * SW - aw->pad_begin + KW;
    if (wend > IW) wend = IW;
    int64_t next_row = 0; /* rows above it are written */
    for (int64_t oh = 0; oh < ah->out; oh++) {
        const int64_t ih0 = oh * ah->stride - ah->pad_begin;
        if (ih0 > next_row) {
            /* rows between two windows (stride over the kernel) */
            const int64_t gap_end = ih0 < IH ? ih0 : IH;
            memset(ds_img + next_row * IW * C, 0,
                   (size_t)((gap_end - next_row) * IW * C) * sizeof(float));
        }
        int fresh[SP_SLIDE_MAXK];
        for (int kh = 0; kh < KH; kh++) {
            const int64_t ih = ih0 + kh;
            fresh[kh] = ih >= next_row;
            if (ih >= 0 && ih < IH && fresh[kh] && wend < IW)
                memset(ds_img + (ih * IW + wend) * C, 0, (size_t)((IW - wend) * C) * sizeof(float));
        }
        if (ih0 + KH > next_row) next_row = ih0 + KH;
        const float *dd = dd_img + oh * OW * C;
        const int64_t *idx = idx_img + oh * OW * C;
        const int more_rows = oh + 1 < ah->out;
        int64_t c = 0;
        for (; c + SPV_W <= C; c += SPV_W)
            if (!SPV_FN(sp_max_slide_row)(p, dd + c, idx + c, ds_img, ih0, fresh, more_rows,
                                          more_images, c,
                                          0, spv_tail(SPV_W), KH, KW, SW))
                return SIMDPOOL_ERR_BAD_INDEX;
        if (c < C && !SPV_FN(sp_max_slide_row)(p, dd + c, idx + c, ds_img, ih0, fresh, more_rows,
                                                more_images, c, 1, spv_tail(C - c), KH, KW, SW))
            return SIMDPOOL_ERR_BAD_INDEX;
    }
    if (next_row < IH)
        memset(ds_img + next_row * IW * C, 0, (size_t)((IH - next_row) * IW * C) * sizeof(float));
    return SIMDPOOL_OK;
}

static simdpool_status SPV_FN(sp_max_bwd_slide)(const sp_problem *p, const float *diff_dst,
                                                const int64_t *indices, float *diff_src,
                                                int64_t begin, int64_t end)
{
    const int64_t C = p->channels;
    const int KH = (int)p->axis[SP_H].kernel, SW = (int)p->axis[SP_W].stride;
    for (int64_t n = begin; n < end; n++) {
        const float *dd_img = diff_dst + n * p->out_plane * C;
        const int64_t *idx_img = indices + n * p->out_plane * C;
        float *ds_img = diff_src + n * p->in_plane * C;
        const int more = n + 1 < end;
        simdpool_status st;
        if (KH == 3)
            st = SW == 1 ? SPV_FN(sp_max_slide_image)(p, dd_img, idx_img, ds_img, more, 3, 3, 1)
                         : SPV_FN(sp_max_slide_image)(p, dd_img, idx_img, ds_img, more, 3, 3, 2);
        else
            st = SW == 1 ? SPV_FN(sp_max_slide_image)(p, dd_img, idx_img, ds_img, more, 1, 3, 1)
                         : SPV_FN(sp_max_slide_image)(p, dd_img, idx_img, ds_img, more, 1, 3, 2);
        if (st != SIMDPOOL_OK) return st;
    }
    return SIMDPOOL_OK;
}

/* Backward, one work item per image: overlapping windows make output rows
 * share diff_src rows. Most problems gather (the ring or the int64 gather
 * above); the rest scatter: diff_src is cleared (unless disjoint windows
 * tile it), then every output adds back in output order (the reference's
 * order, so the sums are bit-identical). */
simdpool_status SPV_FN(sp_f32_maxpool_bwd_nhwc)(const sp_problem *p, const float *diff_dst,
                                                const int64_t *indices, const float *src,
                                                float *diff_src, int64_t begin, int64_t end)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    int64_t sp[3];
    sp_nhwc_pixel_steps(p, sp);
    /* Windows that do not overlap (e.g. 2x2 stride 2) scatter with plain
     * stores: one pass, no compare per (output, pixel) pair beyond the
     * window's own taps; when they also tile the input, nothing to clear. */
    int disjoint = 1, tiled = 1;
    for (int k = 0; k < 3; k++) {
        const sp_axis *a = &p->axis[k];
        disjoint &= a->extent <= a->stride;
        /* dense windows only: a dilated one leaves holes nobody writes */
        tiled &= a->pad_begin == 0 && a->dilation == 1 && a->extent == a->stride &&
                 a->out * a->stride == a->in;
    }
    const int lanes_scalar = sp_nhwc_max_span(p) >= SP_NHWC_INT32_SPAN;
    const int overwrite = indices && disjoint && !lanes_scalar;
    /* The ring, for recomputed argmaxes; saved indices go through it (int32
     * lanes, checked once per output) where int64 compares cost more than
     * int32 ones (AVX2: 3x3 stride 1 and 2 about 1.5-2x faster, 3x3x3 stride
     * 2 1.4x), and for windows of more than one row (1D ones measured slower
     * in the ring's strips). */
    if (indices && !overwrite && !lanes_scalar && SPV_FN(sp_max_slide_fits)(p))
        return SPV_FN(sp_max_bwd_slide)(p, diff_dst, indices, diff_src, begin, end);
    sp_ring_shape ring;
    const int ring_fits = !overwrite && SPV_FN(sp_max_ring_fits)(p, &ring);
    if (ring_fits && (!indices || (!SPV_IDX64_CMP_CHEAP && ah->extent > 1)))
        return SPV_FN(sp_max_bwd_ring)(p, diff_dst, indices, src, diff_src, begin, end, &ring);
    if (indices && !overwrite && p->out_plane < ((int64_t)1 << 31))
        return SPV_FN(sp_max_bwd_gather)(p, diff_dst, indices, diff_src, begin, end);
    sp_mwin w;
    for (int k = 0; k < 3; k++) {
        w.step[k] = sp[k] * C;
        w.rstep[k] = sp[k];
    }
    for (int64_t n = begin; n < end; n++) {
        const float *img = src ? src + n * p->in_plane * C : NULL;
        float *ds_img = diff_src + n * p->in_plane * C;
        if (!(overwrite && tiled)) memset(ds_img, 0, (size_t)(p->in_plane * C) * sizeof(float));
        int64_t o = n * p->out_plane;
        for (int64_t od = 0; od < ad->out; od++) {
            int64_t xd;
            sp_nhwc_axis(ad, od, &xd, &w.n[0], NULL);
            for (int64_t oh = 0; oh < ah->out; oh++) {
                int64_t xh;
                sp_nhwc_axis(ah, oh, &xh, &w.n[1], NULL);
                int64_t pix_dh = (xd * ah->in + xh) * aw->in;
                for (int64_t ow = 0; ow < aw->out; ow++, o++) {
                    const float *dd = diff_dst + o * C;
                    const int64_t *idx = indices ? indices + o * C : NULL;
                    int64_t anchor;
                    if (!SPV_FN(sp_max_setup_w)(p, &w, img ? img : ds_img, pix_dh, ow,
                                                &anchor)) {
                        if (idx)
                            for (int64_t c = 0; c < C; c++)
                                if (idx[c] != -1) return SIMDPOOL_ERR_BAD_INDEX;
                        continue;
                    }
                    float *ds_first = ds_img + anchor * C;
                    simdpool_status st;
                    if (lanes_scalar) {
                        st = SPV_FN(sp_max_bwd_lanes)(&w, C, dd, idx, ds_img, anchor, sp, p, od,
                                                      oh, ow);
                        if (st != SIMDPOOL_OK) return st;
                        continue;
                    }
                    const int64_t n0 = w.n[0], n1 = w.n[1], n2 = w.n[2];
                    const int64_t span = (n0 - 1) * sp[0] + (n1 - 1) * sp[1] + (n2 - 1) * sp[2];
#define SP_BWD_PIXEL(ov, a, b, k)                                                                  \
    SPV_FN(sp_max_bwd_pixel)(&w, C, dd, idx, ds_first, anchor, span, sp, ov, a, b, k)
                    /* the usual disjoint windows, 2x2 and 2x2x2, whole */
                    if (overwrite && n0 == 2 && n1 == 2 && n2 == 2)
                        st = SP_BWD_PIXEL(1, 2, 2, 2);
                    else if (overwrite && n0 == 1 && n1 == 2 && n2 == 2)
                        st = SP_BWD_PIXEL(1, 1, 2, 2);
                    else
                        st = overwrite ? SP_BWD_PIXEL(1, n0, n1, n2) : SP_BWD_PIXEL(0, n0, n1, n2);
#undef SP_BWD_PIXEL
                    if (st != SIMDPOOL_OK) return st;
                }
            }
        }
    }
    return SIMDPOOL_OK;
}

