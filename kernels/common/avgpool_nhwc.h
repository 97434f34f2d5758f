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
            spv_store_out(out + c + u * SPV_W, v);
    }
}

/*
 * Interior pixels of one output row for a dense window kw wide (2 or 3)
 * with W stride sw: the window's valid rows (any count, any H/D stride or
 * dilation) are summed per input column first, and a column sum is shared
 * by the kw / sw windows that contain it, kept in registers along the row.
 * rows[r] points at channel 0 of the first window's first column in row r.
 * NR > 0 is the row count known at compile time (the common 2 and 3, so the
 * column sum is straight-line code), 0 takes nrows at run time. nv vectors
 * of channels from c go along the row together.
 *
 * Rows go one at a time: a row's results must not depend on how the work
 * was split (NaN payloads follow the operand order of each addition, which
 * the compiler picks per code path), and sharing loads between two rows did
 * not measure faster.
 */
SPV_INLINE spv_f SPV_FN(sp_avg_colsum)(const float *const *rows, const int NR, int nrows,
                                       int64_t off, const int tail, spv_t t)
{
    const int n = NR ? NR : nrows;
    spv_f s = tail ? spv_load_t(rows[0] + off, t) : spv_load(rows[0] + off);
#pragma GCC unroll 4
    for (int r = 1; r < n; r++)
        s = spv_add(s, tail ? spv_load_t(rows[r] + off, t) : spv_load(rows[r] + off));
    return s;
}

SPV_INLINE void SPV_FN(sp_avg_store)(float *o, spv_f v, const int tail, spv_t t)
{
    if (tail)
        spv_store_t(o, v, t);
    else
        spv_store_out(o, v);
}

SPV_INLINE void SPV_FN(sp_avg_cols_block)(const float *const *rows, const int NR, int nrows,
                                          int64_t C, int64_t c, int64_t count, float *out,
                                          spv_f scale, const int kw, const int sw, const int nv,
                                          const int tail, spv_t t)
{
#define SP_COLSUM(x, u) SPV_FN(sp_avg_colsum)(rows, NR, nrows, (x) * C + c + (u) * SPV_W, tail, t)
    float *o = out + c;
    if (kw == 3 && sw == 1) {
        /* Outputs two at a time: c0+c1+c2 and c1+c2+c3 share c1+c2, so a
         * pixel costs one column sum and 1.5 additions. */
        spv_f a[SP_NV], b[SP_NV];
        for (int u = 0; u < nv; u++) {
            a[u] = SP_COLSUM(0, u);
            b[u] = SP_COLSUM(1, u);
        }
        int64_t i = 0;
        for (; i + 2 <= count; i += 2, o += 2 * C) {
            for (int u = 0; u < nv; u++) {
                spv_f c2 = SP_COLSUM(i + 2, u), c3 = SP_COLSUM(i + 3, u);
                spv_f pair = spv_add(b[u], c2);
                SPV_FN(sp_avg_store)(o + u * SPV_W, spv_mul(spv_add(a[u], pair), scale), tail, t);
                SPV_FN(sp_avg_store)(o + C + u * SPV_W, spv_mul(spv_add(pair, c3), scale), tail, t);
                a[u] = c2;
                b[u] = c3;
            }
        }
        if (i < count)
            for (int u = 0; u < nv; u++) {
                spv_f sum = spv_add(a[u], spv_add(b[u], SP_COLSUM(i + 2, u)));
                SPV_FN(sp_avg_store)(o + u * SPV_W, spv_mul(sum, scale), tail, t);
            }
        return;
    }
    /* Other shapes: the last kw - sw column sums carry to the next window. */
    const int keep = kw > sw ? kw - sw : 0;
    spv_f col[3][SP_NV];
    for (int j = 0; j < kw; j++)
        for (int u = 0; u < nv; u++) col[j][u] = SP_COLSUM(j, u);
    int64_t x = 0;
    for (int64_t i = 0; i < count; i++, o += C) {
        for (int u = 0; u < nv; u++) {
            spv_f sum = col[0][u];
            for (int j = 1; j < kw; j++) sum = spv_add(sum, col[j][u]);
            SPV_FN(sp_avg_store)(o + u * SPV_W, spv_mul(sum, scale), tail, t);
        }
        if (i + 1 == count) break;
        x += sw;
        for (int u = 0; u < nv; u++) {
            for (int j = 0; j < keep; j++) col[j][u] = col[j + sw][u];
            for (int j = keep; j < kw; j++) col[j][u] = SP_COLSUM(x + j, u);
        }
    }
#undef SP_COLSUM
}

/* One block of channels along the row, the shape picked at run time. */
SPV_INLINE void SPV_FN(sp_avg_cols_shape)(const float *const *rows, const int NR, int nrows,
                                          int64_t C, int64_t c, int64_t count, float *out,
                                          spv_f scale, int kw, int sw, const int nv,
                                          const int tail, spv_t t)
{
#define SP_SHAPE(KW, SW)                                                                       \
    SPV_FN(sp_avg_cols_block)(rows, NR, nrows, C, c, count, out, scale, KW, SW, nv, tail, t)
    if (kw == 3 && sw == 1) SP_SHAPE(3, 1);
    else if (kw == 3 && sw == 2) SP_SHAPE(3, 2);
    else if (kw == 3) SP_SHAPE(3, 3);
    else if (sw == 1) SP_SHAPE(2, 1);
    else if (sw == 2) SP_SHAPE(2, 2);
    else SP_SHAPE(2, 3);
#undef SP_SHAPE
}

/* W shapes the column sums take: kw 2 or 3, dense, stride 1..3. */
static inline int sp_avg_cols_ok(const sp_axis *aw)
{
    return aw->dilation == 1 && aw->kernel >= 2 && aw->kernel <= 3 && aw->stride <= 3 &&
           aw->interior_begin < aw->interior_end;
}

/* Bytes of input rows one width chunk spans: every block of channels walks
 * the chunk in turn, and the later ones find its lines still in L1/L2. */
#define SP_AVG_CHUNK_BYTES 65536

/* The W interior of one output row whose valid rows are rows[0..nrows). */
static void SPV_FN(sp_avg_row_interior)(const sp_problem *p, const float *const *rows, int nrows,
                                        float *out_row, float scale_f, int64_t head)
{
    const sp_axis *aw = &p->axis[SP_W];
    const int64_t C = p->channels, kw = aw->kernel, sw = aw->stride;
    const int64_t ow0 = aw->interior_begin, ow1 = aw->interior_end;
    const spv_f scale = spv_set1(scale_f);
    if (nrows < 1) return;
    int64_t chunk = SP_AVG_CHUNK_BYTES / (nrows * sw * C * (int64_t)sizeof(float));
    chunk = chunk < 4 ? 4 : chunk;
    const float *at[64];
    for (int64_t x = ow0; x < ow1; x += chunk) {
        const int64_t cnt = ow1 - x < chunk ? ow1 - x : chunk;
        for (int r = 0; r < nrows; r++) at[r] = rows[r] + (x * sw - aw->pad_begin) * C;
        float *o = out_row + x * C;
#define SP_COLS(c, nv, tail, t)                                                                \
    do {                                                                                       \
        if (nrows == 3)                                                                        \
            SPV_FN(sp_avg_cols_shape)(at, 3, 3, C, c, cnt, o, scale, kw, sw, nv, tail, t);     \
        else if (nrows == 2)                                                                   \
            SPV_FN(sp_avg_cols_shape)(at, 2, 2, C, c, cnt, o, scale, kw, sw, nv, tail, t);     \
        else                                                                                   \
            SPV_FN(sp_avg_cols_shape)(at, 0, nrows, C, c, cnt, o, scale, kw, sw, nv, tail, t); \
    } while (0)
        SP_FOR_CHANNELS(C, head, 1, SP_COLS);
#undef SP_COLS
    }
}

/* One W-border pixel of a row on the column sums: its nw valid columns
 * (dw apart, the first at element offset x0 of every row) and its scale. */
static void SPV_FN(sp_avg_row_edge)(const float *const *rows, int nrows, int64_t C, int64_t x0,
                                    int64_t nw, int64_t dw, float *out, float scale_f,
                                    int64_t head)
{
    const spv_f scale = spv_set1(scale_f);
#define SP_EDGE(c, nv, tail, t)                                                                \
    do {                                                                                       \
        for (int u = 0; u < (nv); u++) {                                                       \
            const int64_t off = x0 + (c) + u * SPV_W;                                          \
            spv_f sum = SPV_FN(sp_avg_colsum)(rows, 0, nrows, off, tail, t);                   \
            for (int64_t j = 1; j < nw; j++)                                                   \
                sum = spv_add(sum, SPV_FN(sp_avg_colsum)(rows, 0, nrows, off + j * dw * C,     \
                                                         tail, t));                           \
            SPV_FN(sp_avg_store)(out + (c) + u * SPV_W, spv_mul(sum, scale), tail, t);     \
        }                                                                                      \
    } while (0)
    SP_FOR_CHANNELS(C, head, 1, SP_EDGE);
#undef SP_EDGE
}

/*
 * Windows of many taps over many channels (global pooling: 7x7 over 1024 or
 * 2048 channels). Register blocks walk all the window's taps once per block
 * of channels, as many strided streams (a pixel apart) as there are taps,
 * which the prefetchers do not follow and whose lines share L1 sets; here
 * each tap's channels are read as one contiguous run instead, added into an
 * accumulator row that stays in L1. Per channel the additions are the same,
 * in scan order from 0. That pays once the source is out of L2 (AVX2, 7x7
 * over 32x2048: 216 -> 168 us; AVX-512 the same); from L2 the register
 * blocks are faster (1x2048: 3.6 us against 4.4).
 */
#define SP_AVG_ACC 2048
#define SP_AVG_ACC_MIN_TAPS 8
#define SP_AVG_ACC_MIN_BYTES (1 << 20)

/* Whether the problem's channels and source are wide enough; each window
 * then also needs SP_AVG_ACC_MIN_TAPS taps (the borders may have fewer). */
static inline int SPV_FN(sp_avg_acc_wide)(const sp_problem *p)
{
    const int64_t C = p->channels;
    return C >= 2 * SPV_AVG_NV * SPV_W &&
           p->batch * p->in_plane * C * (int64_t)sizeof(float) >= SP_AVG_ACC_MIN_BYTES;
}

/* acc[0, n) += q[0, n); FIRST: acc = 0 + q. */
SPV_INLINE void SPV_FN(sp_avg_acc_add)(float *acc, const float *q, int64_t n, const int FIRST)
{
    int64_t c = 0;
    for (; c + 4 * SPV_W <= n; c += 4 * SPV_W)
        for (int u = 0; u < 4; u++) {
            float *a = acc + c + u * SPV_W;
            spv_store(a, spv_add(FIRST ? spv_zero() : spv_load(a), spv_load(q + c + u * SPV_W)));
        }
    for (; c + SPV_W <= n; c += SPV_W)
        spv_store(acc + c, spv_add(FIRST ? spv_zero() : spv_load(acc + c), spv_load(q + c)));
    if (c < n) {
        const spv_t t = spv_tail(n - c);
        spv_store_t(acc + c, spv_add(FIRST ? spv_zero() : spv_load_t(acc + c, t), spv_load_t(q + c, t)), t);
    }
}

static void SPV_FN(sp_avg_pixel_acc)(const sp_awin *w, int64_t C, float *out, float scale)
{
    _Alignas(64) float acc[SP_AVG_ACC];
    const spv_f vs = spv_set1(scale);
    for (int64_t c0 = 0; c0 < C; c0 += SP_AVG_ACC) {
        const int64_t n = C - c0 < SP_AVG_ACC ? C - c0 : SP_AVG_ACC;
        const float *pd = w->first + c0;
        int first = 1;
        for (int64_t a = 0; a < w->n[0]; a++, pd += w->step[0]) {
            const float *ph = pd;
            for (int64_t b = 0; b < w->n[1]; b++, ph += w->step[1]) {
                const float *q = ph;
                for (int64_t k = 0; k < w->n[2]; k++, q += w->step[2]) {
                    if (first)
                        SPV_FN(sp_avg_acc_add)(acc, q, n, 1);
                    else
                        SPV_FN(sp_avg_acc_add)(acc, q, n, 0);
                    first = 0;
                }
            }
        }
        float *o = out + c0;
        int64_t c = 0;
        for (; c + SPV_W <= n; c += SPV_W) spv_store_out(o + c, spv_mul(spv_load(acc + c), vs));
        if (c < n) {
            const spv_t t = spv_tail(n - c);
            spv_store_t(o + c, spv_mul(spv_load_t(acc + c, t), vs), t);
        }
    }
}

/* Output pixels [ow0, ow1) of one row, each window on its own (the W
 * borders, and the shapes the column sums do not take). */
static void SPV_FN(sp_avg_row_pixels)(const sp_problem *p, sp_awin *w, const float *img,
                                      const int64_t x[3], const int64_t np_dh[3], float *out_row,
                                      int64_t ow0, int64_t ow1, int64_t head)
{
    const sp_axis *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    int64_t np[3] = {np_dh[0], np_dh[1], 0}, xw;
    float *out = out_row + ow0 * C;
    const int acc_wide = SPV_FN(sp_avg_acc_wide)(p);
    for (int64_t ow = ow0; ow < ow1; ow++, out += C) {
        sp_nhwc_axis(aw, ow, &xw, &w->n[2], &np[2]);
        if (w->n[0] == 0 || w->n[1] == 0 || w->n[2] == 0) {
            /* No valid tap: 0 whatever the divisor. */
            memset(out, 0, (size_t)C * sizeof(float));
            continue;
        }
        w->first = img + ((x[0] * ah->in + x[1]) * aw->in + xw) * C;
        if (acc_wide && w->n[0] * w->n[1] * w->n[2] >= SP_AVG_ACC_MIN_TAPS) {
            SPV_FN(sp_avg_pixel_acc)(w, C, out, 1.0f / (float)sp_avg_divisor(p, w->n, np));
            continue;
        }
        spv_f scale = spv_set1(1.0f / (float)sp_avg_divisor(p, w->n, np));
#define SP_AVG_BLOCK(c, nv, tail, t) SPV_FN(sp_avg_block)(w, c, out, scale, nv, tail, t)
        SP_FOR_CHANNELS_NV(C, head, 1, SPV_AVG_NV, SP_AVG_BLOCK);
#undef SP_AVG_BLOCK
    }
}

/* Forward, one work item per output row (n, od, oh). */
simdpool_status SPV_FN(sp_f32_avgpool_fwd_nhwc)(const sp_problem *p, const float *src, float *dst,
                                                int64_t *indices, int64_t begin, int64_t end)
{
    (void)indices;
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels, OW = aw->out;
    int64_t sp[3];
    sp_nhwc_pixel_steps(p, sp);
    sp_awin w;
    for (int k = 0; k < 3; k++) w.step[k] = sp[k] * C;
    const int64_t head = sp_align_head(src, C);
    const int cols = sp_avg_cols_ok(aw);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / (ad->out * ah->out), r = item % (ad->out * ah->out);
        int64_t od = r / ah->out, oh = r % ah->out;
        int64_t x[3], np[3] = {0, 0, 0};
        sp_nhwc_axis(ad, od, &x[0], &w.n[0], &np[0]);
        sp_nhwc_axis(ah, oh, &x[1], &w.n[1], &np[1]);
        const float *img = src + n * p->in_plane * C;
        float *out = dst + item * OW * C;
        if (!cols || w.n[0] * w.n[1] > 64 || w.n[0] == 0 || w.n[1] == 0) {
            SPV_FN(sp_avg_row_pixels)(p, &w, img, x, np, out, 0, OW, head);
            continue;
        }
        /* Interior pixels: every W tap valid and inside the padding, so one
         * scale for all of them and column sums shared along the row. */
        const float *rows[64];
        int nrows = 0;
        for (int64_t a = 0; a < w.n[0]; a++)
            for (int64_t b = 0; b < w.n[1]; b++)
                rows[nrows++] = img + ((x[0] + a * ad->dilation) * ah->in + x[1] +
                                       b * ah->dilation) * aw->in * C;
        const int64_t nn[3] = {w.n[0], w.n[1], aw->kernel}, nnp[3] = {np[0], np[1], aw->kernel};
        SPV_FN(sp_avg_row_interior)(p, rows, nrows, out, 1.0f / (float)sp_avg_divisor(p, nn, nnp),
                                    head);
        /* The W borders: the same column sums, a scale per pixel. */
        for (int64_t ow = 0; ow < OW; ow++) {
            if (ow == aw->interior_begin) ow = aw->interior_end;
            if (ow >= OW) break;
            int64_t xw;
            sp_nhwc_axis(aw, ow, &xw, &w.n[2], &np[2]);
            float *o = out + ow * C;
            if (w.n[2] == 0) {
                memset(o, 0, (size_t)C * sizeof(float));
                continue;
            }
            SPV_FN(sp_avg_row_edge)(rows, nrows, C, xw * C, w.n[2], aw->dilation, o,
                                    1.0f / (float)sp_avg_divisor(p, w.n, np), head);
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
 * One diff_src row by W groups (dense W taps): input column
 * iw = g * sw - pb + t (0 <= t < sw) is a tap of outputs g, g - 1, ...,
 * g - (kw - 1 - t) / sw and of no other, so the row is swept one output g at
 * a time. Output g's share V[g] = wscale[g] * (sum over the covering rows r
 * of s_r * diff_dst_r[g]) is made once and kept in registers for the
 * J = (kw - 1) / sw groups after it; each input column of the group is the
 * sum of its outputs' shares, stored once. Groups [gi0, gi1) have every
 * share and every column in range (no check); the others treat a share
 * past the outputs as 0 and skip columns past the input. Groups [ga, gb).
 */
#define SP_BWD_MAX_J 3
/* The row scales come broadcast in sv when the row count NR is known at
 * compile time: hoisted out of the walk along the row, where the stores to
 * diff_src (floats, like s) would otherwise force a reload each time. */
#define SP_BWD_MAX_NR 3
SPV_INLINE void SPV_FN(sp_avg_bwd_share)(spv_f *v, const float *const *g, const float *s,
                                         const spv_f *sv, const int NR, int nr, int64_t off,
                                         float wscale, const int nv, const int tail, spv_t t)
{
    const int n = NR ? NR : nr;
    const spv_f s0 = NR ? sv[0] : spv_set1(s[0]);
    for (int u = 0; u < nv; u++)
        v[u] = spv_mul(tail ? spv_load_t(g[0] + off, t) : spv_load(g[0] + off + u * SPV_W), s0);
#pragma GCC unroll 4
    for (int r = 1; r < n; r++) {
        const spv_f sr = NR ? sv[r] : spv_set1(s[r]);
        for (int u = 0; u < nv; u++)
            v[u] = spv_fma(tail ? spv_load_t(g[r] + off, t) : spv_load(g[r] + off + u * SPV_W), sr,
                           v[u]);
    }
    const spv_f ws = spv_set1(wscale);
    for (int u = 0; u < nv; u++) v[u] = spv_mul(v[u], ws);
}

typedef struct sp_bwd_row {
    const float *const *g; /* covering diff_dst rows, channel 0 of output 0 */
    const float *s;        /* their scales */
    int nr;
    const float *wscale;   /* per output column */
    int64_t C, OW, IW, pb, gi0, gi1;
    float *ds;             /* channel 0 of input column 0 */
} sp_bwd_row;

SPV_INLINE void SPV_FN(sp_avg_bwd_cols_block)(const sp_bwd_row *b, const int NR, int64_t c,
                                              int64_t ga, int64_t gb, const int KW, const int SW,
                                              const int J, const int nv, const int tail, spv_t t)
{
    const int64_t C = b->C;
    spv_f v[SP_BWD_MAX_J + 1][SP_NV];
    spv_f sv[SP_BWD_MAX_NR];
    for (int r = 0; r < NR; r++) sv[r] = spv_set1(b->s[r]);
    /* The shares of the J outputs before the first group, where the loop
     * below expects them before it shifts them on. */
    for (int j = 1; j <= J; j++) {
        const int64_t o = ga - j;
        if (o >= 0 && o < b->OW)
            SPV_FN(sp_avg_bwd_share)(v[j - 1], b->g, b->s, sv, NR, b->nr, o * C + c, b->wscale[o],
                                     nv, tail, t);
        else
            for (int u = 0; u < nv; u++) v[j - 1][u] = spv_zero();
    }
    for (int64_t g = ga; g < gb; g++) {
        for (int j = J; j >= 1; j--)
            for (int u = 0; u < nv; u++) v[j][u] = v[j - 1][u];
        const int inside = g >= b->gi0 && g < b->gi1;
        if (g < b->OW)
            SPV_FN(sp_avg_bwd_share)(v[0], b->g, b->s, sv, NR, b->nr, g * C + c, b->wscale[g], nv,
                                     tail, t);
        else
            for (int u = 0; u < nv; u++) v[0][u] = spv_zero();
        const int64_t iw0 = g * SW - b->pb;
        for (int k = 0; k < SW; k++) {
            const int64_t iw = iw0 + k;
            if (!inside && (iw < 0 || iw >= b->IW)) continue;
            const int terms = k < KW ? (KW - 1 - k) / SW + 1 : 0;
            float *o = b->ds + iw * C + c;
            for (int u = 0; u < nv; u++) {
                spv_f sum = terms ? v[0][u] : spv_zero();
                for (int j = 1; j <= J; j++)
                    if (j < terms) sum = spv_add(sum, v[j][u]);
                SPV_FN(sp_avg_store)(o + u * SPV_W, sum, tail, t);
            }
        }
    }
}

/* One diff_src row, chunks of groups so that the later channel blocks find
 * the chunk's lines in L1/L2; the W shape picked at compile time for the
 * common ones. */
/*
 * Windows that do not overlap (J = 0) over many channels: each input
 * column has one output or none, so a group is its output's share stored
 * in the group's first covered column and copied to the others, pixel
 * after pixel in address order. Blocks of channels walking the columns
 * would write a few lines a pixel apart at a time, and the stores' line
 * fills would not stream.
 */
#define SP_AVG_BWD_WIDE_C 1024
static void SPV_FN(sp_avg_bwd_row_wide)(const sp_bwd_row *b, int64_t kw, int64_t sw, int64_t G)
{
    const int64_t C = b->C;
    const size_t bytes = (size_t)C * sizeof(float);
    for (int64_t g = 0; g < G; g++) {
        const int64_t iw0 = g * sw - b->pb;
        float *first = NULL;
        for (int64_t k = 0; k < sw; k++) {
            const int64_t iw = iw0 + k;
            if (iw < 0 || iw >= b->IW) continue;
            float *o = b->ds + iw * C;
            if (k >= kw || g >= b->OW) {
                memset(o, 0, bytes);
            } else if (first) {
                memcpy(o, first, bytes);
            } else {
                first = o;
#define SP_SHARE(c, nv, tail, t)                                                               \
    do {                                                                                       \
        spv_f v_[SP_NV];                                                                       \
        SPV_FN(sp_avg_bwd_share)(v_, b->g, b->s, NULL, 0, b->nr, g * C + (c), b->wscale[g], nv,     \
                                 tail, t);                                                     \
        for (int u = 0; u < (nv); u++)                                                         \
            SPV_FN(sp_avg_store)(o + (c) + u * SPV_W, v_[u], tail, t);                      \
    } while (0)
                SP_FOR_CHANNELS(C, 0, 1, SP_SHARE);
#undef SP_SHARE
            }
        }
    }
}

static void SPV_FN(sp_avg_bwd_row)(const sp_bwd_row *b, int64_t kw, int64_t sw)
{
    const int64_t C = b->C;
    const int J = (int)((kw - 1) / sw);
    const int64_t G = (b->IW - 1 + b->pb) / sw + 1;
    /* (the streaming build stores each pixel once, in order, instead) */
    if (J == 0 && C >= SP_AVG_BWD_WIDE_C && !SPV_STREAM_STORES) {
        SPV_FN(sp_avg_bwd_row_wide)(b, kw, sw, G);
        return;
    }
    int64_t chunk = SP_AVG_CHUNK_BYTES / ((b->nr + sw) * C * (int64_t)sizeof(float));
    chunk = chunk < 4 ? 4 : chunk;
    for (int64_t ga = 0; ga < G; ga += chunk) {
        const int64_t gb = G - ga < chunk ? G : ga + chunk;
#define SP_BWD(NR, KW, SW, JJ, c, nv, tail, t)                                                 \
    SPV_FN(sp_avg_bwd_cols_block)(b, NR, c, ga, gb, KW, SW, JJ, nv, tail, t)
#define SP_BWD_NR(KW, SW, JJ, c, nv, tail, t)                                                  \
    do {                                                                                       \
        if (b->nr == 1)                                                                        \
            SP_BWD(1, KW, SW, JJ, c, nv, tail, t);                                             \
        else if (b->nr == 2)                                                                   \
            SP_BWD(2, KW, SW, JJ, c, nv, tail, t);                                             \
        else if (b->nr == 3)                                                                   \
            SP_BWD(3, KW, SW, JJ, c, nv, tail, t);                                             \
        else                                                                                   \
            SP_BWD(0, KW, SW, JJ, c, nv, tail, t);                                             \
    } while (0)
#define SP_BWD_SHAPE(c, nv, tail, t)                                                           \
    do {                                                                                       \
        if (kw == 3 && sw == 2 && J == 1)                                                      \
            SP_BWD_NR(3, 2, 1, c, nv, tail, t);                                                \
        else if (kw == 3 && sw == 1 && J == 2)                                                 \
            SP_BWD_NR(3, 1, 2, c, nv, tail, t);                                                \
        else if (kw == 2 && sw == 2)                                                           \
            SP_BWD_NR(2, 2, 0, c, nv, tail, t);                                                \
        else if (J == 0)                                                                       \
            SP_BWD(0, (int)kw, (int)sw, 0, c, nv, tail, t);                                    \
        else if (J == 1)                                                                       \
            SP_BWD(0, (int)kw, (int)sw, 1, c, nv, tail, t);                                    \
        else if (J == 2)                                                                       \
            SP_BWD(0, (int)kw, (int)sw, 2, c, nv, tail, t);                                    \
        else                                                                                   \
            SP_BWD(0, (int)kw, (int)sw, 3, c, nv, tail, t);                                    \
    } while (0)
        SP_FOR_CHANNELS(C, 0, 1, SP_BWD_SHAPE);
#undef SP_BWD_SHAPE
#undef SP_BWD_NR
#undef SP_BWD
    }
}

/*
 * Average backward by gathering: each diff_src pixel is written once, as
 * the sum over the outputs whose windows have it as a valid tap of
 * diff_dst / divisor (the divisor as the product of per-axis reciprocals,
 * within the tolerance SEMANTICS.md gives averages). No clearing pass and
 * no read-modify-write. Dense W windows go a row at a time by W groups
 * (above); the others pixel by pixel, the bookkeeping done once for all
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
    /* With one output along W the stride does not matter: taken as the
     * kernel, the window is one group. */
    const int64_t sw = OW == 1 ? aw->kernel : aw->stride, pb = aw->pad_begin;
    const int by_rows = aw->dilation == 1 && sc.tab[2] && (aw->kernel - 1) / sw <= SP_BWD_MAX_J;
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
                if (by_rows) {
                    const float *grows[SP_PAIRS];
                    float srows[SP_PAIRS];
                    int nr = 0, fits = 1;
                    for (int64_t od = dlo; od <= dhi && fits; od++) {
                        if (!sp_axis_covers(ad, id, od)) continue;
                        const float sd = sc.all * sp_avg_scale_of(p, &sc, SP_D, od);
                        for (int64_t oh = hlo; oh <= hhi; oh++) {
                            if (!sp_axis_covers(ah, ih, oh)) continue;
                            if (nr == SP_PAIRS) {
                                fits = 0;
                                break;
                            }
                            grows[nr] = dd_img + (od * OH + oh) * OW * C;
                            srows[nr++] = sd * sp_avg_scale_of(p, &sc, SP_H, oh);
                        }
                    }
                    if (fits) {
                        if (nr == 0) {
                            memset(ds, 0, (size_t)(aw->in * C) * sizeof(float));
                        } else {
                            const int64_t J = (aw->kernel - 1) / sw;
                            /* Groups with every share an output and every column an input. */
                            int64_t gi0 = sp_ceil_div_nonneg(pb, sw), gi1 = (aw->in + pb - sw) / sw + 1;
                            if (gi0 < J) gi0 = J;
                            if (aw->in + pb < sw) gi1 = 0;
                            if (gi1 > OW) gi1 = OW;
                            const sp_bwd_row b = {grows, srows, nr, sc.w, C, OW, aw->in, pb,
                                                  gi0, gi1 > gi0 ? gi1 : gi0, ds};
                            SPV_FN(sp_avg_bwd_row)(&b, aw->kernel, sw);
                        }
                        ds += aw->in * C;
                        continue;
                    }
                }
                sp_cover_iter wi;
                sp_cover_init(aw, &wi);
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
