/*
 * Max pooling, the reference. Written for clarity: every tap of every window
 * is visited in scan order (D, then H, then W) and tested for validity.
 */
#include <math.h>

#include "reference.h"

/* The output at (od, oh, ow) of one plane: value and flat spatial index by
 * SEMANTICS.md. `plane` points at the plane's spatial element 0, `step` apart. */
static void max_of_window(const sp_problem *p, const float *plane, int64_t step, int64_t od,
                          int64_t oh, int64_t ow, float *value, int64_t *index)
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    float best = -INFINITY;
    int64_t best_at = -1;
    for (int64_t jd = 0; jd < ad->kernel; jd++) {
        int64_t id = od * ad->stride - ad->pad_begin + jd * ad->dilation;
        if (id < 0 || id >= ad->in) continue;
        for (int64_t jh = 0; jh < ah->kernel; jh++) {
            int64_t ih = oh * ah->stride - ah->pad_begin + jh * ah->dilation;
            if (ih < 0 || ih >= ah->in) continue;
            for (int64_t jw = 0; jw < aw->kernel; jw++) {
                int64_t iw = ow * aw->stride - aw->pad_begin + jw * aw->dilation;
                if (iw < 0 || iw >= aw->in) continue;
                int64_t at = (id * ah->in + ih) * aw->in + iw;
                float v = plane[at * step];
                /* The first valid tap always takes the place (so an all -inf
                 * window reports it); later ones only when strictly greater
                 * (ties keep the first) or NaN (the last NaN wins). */
                if (best_at < 0 || v > best || isnan(v)) {
                    best = v;
                    best_at = at;
                }
            }
        }
    }
    *value = best;
    *index = best_at;
}

simdpool_status sp_f32_maxpool_fwd_scalar(const sp_problem *p, const float *src, float *dst,
                                          int64_t *indices, int64_t begin, int64_t end)
{
    const int64_t step = sp_plane_step(p);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / p->channels, c = item % p->channels;
        const float *src_plane = src + sp_plane_base(p, n, c, p->in_plane);
        int64_t out_base = sp_plane_base(p, n, c, p->out_plane);
        for (int64_t od = 0; od < p->axis[SP_D].out; od++)
            for (int64_t oh = 0; oh < p->axis[SP_H].out; oh++)
                for (int64_t ow = 0; ow < p->axis[SP_W].out; ow++) {
                    int64_t o = (od * p->axis[SP_H].out + oh) * p->axis[SP_W].out + ow;
                    float value;
                    int64_t index;
                    max_of_window(p, src_plane, step, od, oh, ow, &value, &index);
                    dst[out_base + o * step] = value;
                    if (indices) indices[out_base + o * step] = index;
                }
    }
    return SIMDPOOL_OK;
}

/* Is `index` one of the valid taps of output (od, oh, ow)? */
static int window_has_tap(const sp_problem *p, int64_t od, int64_t oh, int64_t ow, int64_t index)
{
    if (index < 0 || index >= p->in_plane) return 0;
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    int64_t iw = index % aw->in, ih = index / aw->in % ah->in, id = index / aw->in / ah->in;
    return sp_axis_is_valid_tap(ad, od, id) && sp_axis_is_valid_tap(ah, oh, ih) &&
           sp_axis_is_valid_tap(aw, ow, iw);
}

simdpool_status sp_f32_maxpool_bwd_scalar(const sp_problem *p, const float *diff_dst,
                                          const int64_t *indices, const float *src,
                                          float *diff_src, int64_t begin, int64_t end)
{
    const int64_t step = sp_plane_step(p);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / p->channels, c = item % p->channels;
        int64_t in_base = sp_plane_base(p, n, c, p->in_plane);
        int64_t out_base = sp_plane_base(p, n, c, p->out_plane);
        for (int64_t i = 0; i < p->in_plane; i++) diff_src[in_base + i * step] = 0.0f;
        for (int64_t od = 0; od < p->axis[SP_D].out; od++)
            for (int64_t oh = 0; oh < p->axis[SP_H].out; oh++)
                for (int64_t ow = 0; ow < p->axis[SP_W].out; ow++) {
                    int64_t o = (od * p->axis[SP_H].out + oh) * p->axis[SP_W].out + ow;
                    int64_t index;
                    if (indices) {
                        index = indices[out_base + o * step];
                    } else {
                        float unused;
                        max_of_window(p, src + in_base, step, od, oh, ow, &unused, &index);
                    }
                    if (index == -1) {
                        /* Only a window without valid taps may have no index. */
                        int64_t first, last, has_taps = 1;
                        for (int k = 0; k < 3; k++) {
                            int64_t ok = k == SP_D ? od : k == SP_H ? oh : ow;
                            sp_axis_valid_taps(&p->axis[k], ok, &first, &last);
                            if (first == last) has_taps = 0;
                        }
                        if (has_taps) return SIMDPOOL_ERR_BAD_INDEX;
                        continue;
                    }
                    if (!window_has_tap(p, od, oh, ow, index)) return SIMDPOOL_ERR_BAD_INDEX;
                    diff_src[in_base + index * step] += diff_dst[out_base + o * step];
                }
    }
    return SIMDPOOL_OK;
}
