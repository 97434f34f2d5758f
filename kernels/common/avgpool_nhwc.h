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
    spv_f acc[SP_NV];
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
        for (int64_t ow = 0; ow < aw->out; ow++, out += C) {
            sp_nhwc_axis(aw, ow, &x[2], &w.n[2], &np[2]);
            if (w.n[0] == 0 || w.n[1] == 0 || w.n[2] == 0) {
                /* No valid tap: 0 whatever the divisor. */
                memset(out, 0, (size_t)C * sizeof(float));
                continue;
            }
            w.first = img + ((x[0] * ah->in + x[1]) * aw->in + x[2]) * C;
            spv_f scale = spv_set1(1.0f / (float)sp_avg_divisor(p, w.n, np));
#define SP_AVG_BLOCK(c, nv, tail, t) SPV_FN(sp_avg_block)(&w, c, out, scale, nv, tail, t)
            SP_FOR_CHANNELS(C, head, 1, SP_AVG_BLOCK);
#undef SP_AVG_BLOCK
        }
    }
    return SIMDPOOL_OK;
}

/* Adds g to every valid tap of the window, for one vector of channels. */
SPV_INLINE void SPV_FN(sp_avg_bwd_block)(const sp_awin *w, float *ds_first, int64_t c, spv_f g,
                                         const int tail, spv_t t)
{
    float *pd = ds_first + c;
    for (int64_t a = 0; a < w->n[0]; a++, pd += w->step[0]) {
        float *ph = pd;
        for (int64_t b = 0; b < w->n[1]; b++, ph += w->step[1]) {
            float *q = ph;
            for (int64_t k = 0; k < w->n[2]; k++, q += w->step[2]) {
                if (tail)
                    spv_store_t(q, spv_add(spv_load_t(q, t), g), t);
                else
                    spv_store(q, spv_add(spv_load(q), g));
            }
        }
    }
}

/* Backward, one work item per image: overlapping windows share diff_src. */
simdpool_status SPV_FN(sp_f32_avgpool_bwd_nhwc)(const sp_problem *p, const float *diff_dst,
                                                const int64_t *indices, const float *src,
                                                float *diff_src, int64_t begin, int64_t end)
{
    (void)indices;
    (void)src;
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    const int64_t C = p->channels;
    int64_t sp[3];
    sp_nhwc_pixel_steps(p, sp);
    sp_awin w;
    for (int k = 0; k < 3; k++) w.step[k] = sp[k] * C;
    spv_t none = spv_tail(SPV_W);
    for (int64_t n = begin; n < end; n++) {
        float *ds_img = diff_src + n * p->in_plane * C;
        memset(ds_img, 0, (size_t)(p->in_plane * C) * sizeof(float));
        const float *dd = diff_dst + n * p->out_plane * C;
        for (int64_t od = 0; od < ad->out; od++) {
            int64_t x[3], np[3];
            sp_nhwc_axis(ad, od, &x[0], &w.n[0], &np[0]);
            for (int64_t oh = 0; oh < ah->out; oh++) {
                sp_nhwc_axis(ah, oh, &x[1], &w.n[1], &np[1]);
                for (int64_t ow = 0; ow < aw->out; ow++, dd += C) {
                    sp_nhwc_axis(aw, ow, &x[2], &w.n[2], &np[2]);
                    if (w.n[0] == 0 || w.n[1] == 0 || w.n[2] == 0) continue;
                    float *ds_first = ds_img + ((x[0] * ah->in + x[1]) * aw->in + x[2]) * C;
                    /* The reference's share: diff_dst / divisor, rounded once. */
                    spv_f div = spv_set1((float)sp_avg_divisor(p, w.n, np));
                    int64_t c = 0;
                    for (; c + SPV_W <= C; c += SPV_W)
                        SPV_FN(sp_avg_bwd_block)(&w, ds_first, c,
                                                 spv_div(spv_load(dd + c), div), 0, none);
                    if (c < C) {
                        spv_t t = spv_tail(C - c);
                        SPV_FN(sp_avg_bwd_block)(&w, ds_first, c,
                                                 spv_div(spv_load_t(dd + c, t), div), 1, t);
                    }
                }
            }
        }
    }
    return SIMDPOOL_OK;
}
