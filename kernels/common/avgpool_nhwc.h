/*
 * Channels-last average pooling (include padding, exclude padding, divisor
 * override), forward and backward, written once against the vec.h API and
 * included by each ISA's avgpool_nhwc.c after its vec.h.
 *
 * The divisor depends only on the window, so it is worked out once per
 * output pixel from the per-axis counts (sp_nhwc_axis) and the channel loops
 * only load, add and scale. Sums are in f32 in scan order.
 */
#include <string.h>

#include "nhwc_template.h"
#include "nhwc_window.h"

typedef struct sp_awin {
    const float *first; /* channel 0 of the first valid tap */
    int64_t step[3];    /* elements between taps along D, H, W */
    int64_t n[3];       /* valid taps along D, H, W */
} sp_awin;

/* The divisor of a window with valid taps (SEMANTICS.md). */
static inline int64_t sp_avg_divisor(const sp_problem *p, const int64_t n[3], const int64_t np[3])
{
    if (p->divisor_override) return p->divisor_override;
    if (p->alg == SIMDPOOL_AVG_INCLUDE_PAD) return np[0] * np[1] * np[2];
    return n[0] * n[1] * n[2];
}

SPV_INLINE void SPV_FN(sp_avg_block)(const sp_awin *w, int64_t c, float *out, spv_f scale,
                                     const int nv, const int tail, spv_t t)
{
    spv_f acc[SPV_AVG_NV > SP_NV ? SPV_AVG_NV : SP_NV];
    for (int u = 0; u < nv; u++) acc[u] = spv_zero();
    const int64_t s2 = w->step[2];
    const float *pd = w->first + c;
    for (int64_t a = 0; a < w->n[0]; a++, pd += w->step[0]) {
        const float *ph = pd;
        for (int64_t b = 0; b < w->n[1]; b++, ph += w->step[1]) {
            const float *q = ph;
            for (int64_t k = 0; k < w->n[2]; k++, q += s2)
                for (int u = 0; u < nv; u++)
                    acc[u] = spv_add(acc[u], tail ? spv_load_t(q, t) : spv_load(q + u * SPV_W));
        }
    }
    for (int u = 0; u < nv; u++) {
        spv_f v = spv_mul(acc[u], scale);
        if (tail)
            spv_store_t(out + c, v, t);
        else
            spv_store(out + c + u * SPV_W, v);
    }
}

/*
 * Interior pixels of one output row for a dense window kw wide (2 or 3)
 * with W stride sw: the window's valid rows (any count, any H/D stride or
 * dilation) are summed per input column first, and a column sum is shared
 * by the kw / sw windows that contain it, kept in registers along the row.
 * rows[r] points at channel 0 of the first window's first column in row r.
 */
SPV_INLINE void SPV_FN(sp_avg_cols_block)(const float *const *rows, int nrows, int64_t C,
                                          int64_t c, int64_t count, float *out, spv_f scale,
                                          const int kw, const int sw, const int tail, spv_t t)
{
#define SP_COLSUM(dst, x)                                                                      \
    do {                                                                                       \
        spv_f s_ = spv_zero();                                                                 \
        for (int r_ = 0; r_ < nrows; r_++) {                                                   \
            const float *q_ = rows[r_] + (x) * C + c;                                          \
            s_ = spv_add(s_, tail ? spv_load_t(q_, t) : spv_load(q_));                         \
        }                                                                                      \
        dst = s_;                                                                              \
    } while (0)
    const int keep = kw > sw ? kw - sw : 0;
    spv_f col[3];
    for (int j = 0; j < kw; j++) SP_COLSUM(col[j], j);
    float *o = out + c;
    int64_t x = 0;
    for (int64_t i = 0; i < count; i++, o += C) {
        spv_f sum = col[0];
        for (int j = 1; j < kw; j++) sum = spv_add(sum, col[j]);
        sum = spv_mul(sum, scale);
        if (tail)
            spv_store_t(o, sum, t);
        else
            spv_store(o, sum);
        if (i + 1 == count) break;
        x += sw;
        for (int j = 0; j < keep; j++) col[j] = col[j + sw];
        for (int j = keep; j < kw; j++) SP_COLSUM(col[j], x + j);
    }
#undef SP_COLSUM
}

/* The interior [ow0, ow1) of a row whose valid rows are rows[0..nrows), for
 * kw 2 or 3 and W stride 1..3 (returns 0, doing nothing, otherwise). */
static int SPV_FN(sp_avg_row_interior)(const sp_problem *p, const float *const *rows, int nrows,
                                       float *out_row, int64_t ow0, int64_t ow1, float scale_f,
                                       int64_t head)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t C = p->channels, kw = aw->kernel, sw = aw->stride;
    if (aw->dilation != 1 || kw < 2 || kw > 3 || sw > 3) return 0;
    const spv_f scale = spv_set1(scale_f);
    /* Keep the columns the channel passes revisit in L1. */
    int64_t chunk = 16384 / (nrows * (sw > 1 ? sw : 1) * C * (int64_t)sizeof(float));
    chunk = chunk < 4 ? 4 : chunk > 256 ? 256 : chunk;
    const float *r_at[64];
    for (int64_t x = ow0; x < ow1; x += chunk) {
        const int64_t cnt = ow1 - x < chunk ? ow1 - x : chunk;
        const int64_t col0 = (x * sw - aw->pad_begin) * C;
        for (int r = 0; r < nrows; r++) r_at[r] = rows[r] + col0;
        float *o = out_row + x * C;
#define SP_COLS(c, nv, tail, t)                                                                \
    for (int u_ = 0; u_ < (nv); u_++) {                                                        \
        if (kw == 3 && sw == 1)                                                                \
            SPV_FN(sp_avg_cols_block)(r_at, nrows, C, (c) + u_ * SPV_W, cnt, o, scale, 3, 1, tail, t); \
        else if (kw == 3 && sw == 2)                                                           \
            SPV_FN(sp_avg_cols_block)(r_at, nrows, C, (c) + u_ * SPV_W, cnt, o, scale, 3, 2, tail, t); \
        else if (kw == 3)                                                                      \
            SPV_FN(sp_avg_cols_block)(r_at, nrows, C, (c) + u_ * SPV_W, cnt, o, scale, 3, 3, tail, t); \
        else if (sw == 1)                                                                      \
            SPV_FN(sp_avg_cols_block)(r_at, nrows, C, (c) + u_ * SPV_W, cnt, o, scale, 2, 1, tail, t); \
        else if (sw == 2)                                                                      \
            SPV_FN(sp_avg_cols_block)(r_at, nrows, C, (c) + u_ * SPV_W, cnt, o, scale, 2, 2, tail, t); \
        else                                                                                   \
            SPV_FN(sp_avg_cols_block)(r_at, nrows, C, (c) + u_ * SPV_W, cnt, o, scale, 2, 3, tail, t); \
    }
        SP_FOR_CHANNELS(C, head, 1, SP_COLS);
#undef SP_COLS
    }
    return 1;
}

/* Forward, one work item per output row (n, od, oh). */
simdpool_status SPV_FN(sp_f32_avgpool_fwd_nhwc)(const sp_problem *p, const float *src, float *dst,
                                                int64_t *indices, int64_t begin, int64_t end)
{
    (void)indices;
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    int64_t sp[3];
    sp_nhwc_pixel_steps(p, sp);
    sp_awin w;
    for (int k = 0; k < 3; k++) w.step[k] = sp[k] * C;
    const int64_t head = sp_align_head(src, C);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / (ad->out * ah->out), r = item % (ad->out * ah->out);
        int64_t od = r / ah->out, oh = r % ah->out;
        int64_t x[3], np[3];
        sp_nhwc_axis(ad, od, &x[0], &w.n[0], &np[0]);
        sp_nhwc_axis(ah, oh, &x[1], &w.n[1], &np[1]);
        const float *img = src + n * p->in_plane * C;
        float *out = dst + item * aw->out * C;
        int64_t skip_begin = -1, skip_end = -1;
        const int64_t iwb = aw->interior_begin, iwe = aw->interior_end;
        if (iwb < iwe && w.n[0] * w.n[1] <= 64 && w.n[0] > 0 && w.n[1] > 0) {
            /* Interior pixels: every W tap valid and inside the padding, so
             * one scale for all of them and column sums shared along the row. */
            const float *rows[64];
            int nrows = 0;
            for (int64_t a = 0; a < w.n[0]; a++)
                for (int64_t b = 0; b < w.n[1]; b++)
                    rows[nrows++] = img + ((x[0] + a * ad->dilation) * ah->in + x[1] +
                                           b * ah->dilation) * aw->in * C;
            int64_t nw = aw->kernel, npw = aw->kernel;
            const int64_t nn[3] = {w.n[0], w.n[1], nw}, nnp[3] = {np[0], np[1], npw};
            float scale = 1.0f / (float)sp_avg_divisor(p, nn, nnp);
            if (SPV_FN(sp_avg_row_interior)(p, rows, nrows, out, iwb, iwe, scale, head)) {
                skip_begin = iwb;
                skip_end = iwe;
            }
        }
        for (int64_t ow = 0; ow < aw->out; ow++, out += C) {
            if (ow == skip_begin) {
                out += (skip_end - skip_begin) * C;
                ow = skip_end;
                if (ow >= aw->out) break;
            }
            sp_nhwc_axis(aw, ow, &x[2], &w.n[2], &np[2]);
            if (w.n[0] == 0 || w.n[1] == 0 || w.n[2] == 0) {
                /* No valid tap: 0 whatever the divisor. */
                memset(out, 0, (size_t)C * sizeof(float));
                continue;
            }
            w.first = img + ((x[0] * ah->in + x[1]) * aw->in + x[2]) * C;
            spv_f scale = spv_set1(1.0f / (float)sp_avg_divisor(p, w.n, np));
#define SP_AVG_BLOCK(c, nv, tail, t) SPV_FN(sp_avg_block)(&w, c, out, scale, nv, tail, t)
            SP_FOR_CHANNELS_NV(C, head, 1, SPV_AVG_NV, SP_AVG_BLOCK);
#undef SP_AVG_BLOCK
        }
    }
    return SIMDPOOL_OK;
}

/* ---- backward by gathering ---------------------------------------------- */

/* The per-axis factor of output o's divisor (SEMANTICS.md): padded or valid
 * taps; 1 with a divisor override (applied once, outside). */
static inline float sp_avg_axis_count(const sp_problem *p, const sp_axis *a, int64_t o)
{
    if (p->divisor_override) return 1.0f;
    int64_t x0, n, np;
    sp_nhwc_axis(a, o, &x0, &n, &np);
    return (float)(p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? np : n);
}

/* Reciprocal per-axis factors, tabulated on the stack for axes of up to
 * SP_AVG_TABLE outputs (larger ones are computed as they come). */
#define SP_AVG_TABLE 1024
typedef struct sp_avg_scales {
    float d[SP_AVG_TABLE], h[SP_AVG_TABLE], w[SP_AVG_TABLE];
    int tab[3];
    float all; /* 1 / divisor_override, or 1 */
} sp_avg_scales;

static inline void sp_avg_scales_init(const sp_problem *p, sp_avg_scales *sc)
{
    float *t[3] = {sc->d, sc->h, sc->w};
    for (int k = 0; k < 3; k++) {
        const sp_axis *a = &p->axis[k];
        sc->tab[k] = a->out <= SP_AVG_TABLE;
        if (sc->tab[k])
            for (int64_t o = 0; o < a->out; o++) t[k][o] = 1.0f / sp_avg_axis_count(p, a, o);
    }
    sc->all = p->divisor_override ? 1.0f / (float)p->divisor_override : 1.0f;
}

static inline float sp_avg_scale_of(const sp_problem *p, const sp_avg_scales *sc, int k, int64_t o)
{
    const float *t = k == SP_D ? sc->d : k == SP_H ? sc->h : sc->w;
    return sc->tab[k] ? t[o] : 1.0f / sp_avg_axis_count(p, &p->axis[k], o);
}

/* One diff_src pixel's sources: the outputs whose windows have it as a
 * valid tap, in output order, with their scales (SP_PAIRS at a time). */
#define SP_PAIRS 64
typedef struct sp_avg_pairs {
    const float *g[SP_PAIRS];
    float scale[SP_PAIRS];
} sp_avg_pairs;

/* The sum over pairs [0, np) of g * scale, added to the pixel when `add`
 * (a later batch of pairs), else stored. */
SPV_INLINE void SPV_FN(sp_avg_pairs_block)(const sp_avg_pairs *pr, int np, float *ds, int64_t c,
                                           const int nv, const int tail, spv_t t, int add)
{
    spv_f acc[SPV_AVG_NV > SP_NV ? SPV_AVG_NV : SP_NV];
    for (int u = 0; u < nv; u++)
        acc[u] = add ? (tail ? spv_load_t(ds + c, t) : spv_load(ds + c + u * SPV_W)) : spv_zero();
    for (int k = 0; k < np; k++) {
        const spv_f scale = spv_set1(pr->scale[k]);
        const float *gp = pr->g[k] + c;
        for (int u = 0; u < nv; u++)
            acc[u] = spv_fma(tail ? spv_load_t(gp, t) : spv_load(gp + u * SPV_W), scale, acc[u]);
    }
    for (int u = 0; u < nv; u++) {
        if (tail)
            spv_store_t(ds + c, acc[u], t);
        else
            spv_store(ds + c + u * SPV_W, acc[u]);
    }
}

/*
 * Average backward by gathering: each diff_src pixel is written once, as
 * the sum over the outputs whose windows have it as a valid tap of
 * diff_dst / divisor (the divisor as the product of per-axis reciprocals,
 * within the tolerance SEMANTICS.md gives averages). No clearing pass and
 * no read-modify-write; the per-pixel bookkeeping is done once for all
 * channels.
 */
static simdpool_status SPV_FN(sp_avg_bwd_gather)(const sp_problem *p, const float *diff_dst,
                                                 float *diff_src, int64_t begin, int64_t end)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels, OH = ah->out, OW = aw->out;
    sp_avg_scales sc;
    sp_avg_scales_init(p, &sc);
    sp_avg_pairs pr;
    const int dense = ad->dilation == 1 && ah->dilation == 1 && aw->dilation == 1 && sc.tab[0] &&
                      sc.tab[1] && sc.tab[2];
    for (int64_t n = begin; n < end; n++) {
        const float *dd_img = diff_dst + n * p->out_plane * C;
        float *ds = diff_src + n * p->in_plane * C;
        const int64_t head = 0; /* one pass over the pairs beats aligned loads here */
        for (int64_t id = 0; id < ad->in; id++) {
            int64_t dlo, dhi;
            sp_axis_covering(ad, id, &dlo, &dhi);
            for (int64_t ih = 0; ih < ah->in; ih++) {
                int64_t hlo, hhi;
                sp_axis_covering(ah, ih, &hlo, &hhi);
                sp_cover_iter wi;
                sp_cover_init(aw, &wi);
                if (dense && dlo <= dhi && hlo <= hhi) {
                    /* Dilation 1 and tabulated scales: the pairs without checks. */
                    const int64_t nrows = (dhi - dlo + 1) * (hhi - hlo + 1);
                    const float *grows[SP_PAIRS];
                    float srows[SP_PAIRS];
                    int nr = 0;
                    for (int64_t od = dlo; od <= dhi && nr < SP_PAIRS; od++)
                        for (int64_t oh = hlo; oh <= hhi && nr < SP_PAIRS; oh++) {
                            grows[nr] = dd_img + (od * OH + oh) * OW * C;
                            srows[nr++] = sc.all * sc.d[od] * sc.h[oh];
                        }
                    if (nrows * aw->kernel <= SP_PAIRS) {
                        for (int64_t iw = 0; iw < aw->in; iw++, ds += C, sp_cover_next(aw, &wi)) {
                            int np = 0;
                            for (int r = 0; r < nr; r++)
                                for (int64_t ow = wi.lo; ow <= wi.hi; ow++) {
                                    pr.g[np] = grows[r] + ow * C;
                                    pr.scale[np++] = srows[r] * sc.w[ow];
                                }
#define SP_PB(c, nv, tail, t) SPV_FN(sp_avg_pairs_block)(&pr, np, ds, c, nv, tail, t, 0)
                            SP_FOR_CHANNELS(C, head, 1, SP_PB);
#undef SP_PB
                        }
                        continue;
                    }
                }
                for (int64_t iw = 0; iw < aw->in; iw++, ds += C, sp_cover_next(aw, &wi)) {
                    int np = 0, added = 0;
                    for (int64_t od = dlo; od <= dhi; od++) {
                        if (!sp_axis_covers(ad, id, od)) continue;
                        const float sd = sc.all * sp_avg_scale_of(p, &sc, SP_D, od);
                        for (int64_t oh = hlo; oh <= hhi; oh++) {
                            if (!sp_axis_covers(ah, ih, oh)) continue;
                            const float sdh = sd * sp_avg_scale_of(p, &sc, SP_H, oh);
                            const float *grow = dd_img + (od * OH + oh) * OW * C;
                            for (int64_t ow = wi.lo; ow <= wi.hi; ow++) {
                                if (!sp_axis_covers(aw, iw, ow)) continue;
                                pr.g[np] = grow + ow * C;
                                pr.scale[np++] = sdh * sp_avg_scale_of(p, &sc, SP_W, ow);
                                if (np == SP_PAIRS) {
#define SP_PB(c, nv, tail, t) SPV_FN(sp_avg_pairs_block)(&pr, np, ds, c, nv, tail, t, added)
                                    SP_FOR_CHANNELS(C, head, !added, SP_PB);
                                    added = 1;
                                    np = 0;
                                }
                            }
                        }
                    }
                    if (np || !added) SP_FOR_CHANNELS(C, head, !added, SP_PB);
#undef SP_PB
                }
            }
        }
    }
    return SIMDPOOL_OK;
}

/* Backward, one work item per image (the divisor tables are per call; images
 * are independent, diff_src pixels are each written once). */
simdpool_status SPV_FN(sp_f32_avgpool_bwd_nhwc)(const sp_problem *p, const float *diff_dst,
                                                const int64_t *indices, const float *src,
                                                float *diff_src, int64_t begin, int64_t end)
{
    (void)indices;
    (void)src;
    return SPV_FN(sp_avg_bwd_gather)(p, diff_dst, diff_src, begin, end);
}
