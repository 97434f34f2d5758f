/*
 * Average pooling, the reference: include-padding, exclude-padding and the
 * divisor override, counted tap by tap rather than from formulas, so that it
 * checks the plan's shape arithmetic instead of sharing it.
 */
#include "reference.h"

typedef struct window_count {
    int64_t valid;  /* taps inside the input */
    int64_t padded; /* taps inside the padded input in every dim */
} window_count;

/* The padded input is [-pad_begin, in + pad_end), and always holds the input
 * itself: with a negative pad_end (oneDNN's derived padding) a ceil-mode
 * window can reach the last inputs, and they count. */
static int in_padded_input(const sp_axis *a, int64_t x)
{
    return x >= -a->pad_begin && x < a->in + (a->pad_end > 0 ? a->pad_end : 0);
}

/* Visits the taps of output (od, oh, ow) in scan order, counting them into
 * `count`, and runs BODY for each valid one with its flat index `at`. */
#define FOR_EACH_TAP(p, od, oh, ow, count, at, BODY)                                          \
    do {                                                                                      \
        const sp_axis *ad_ = &(p)->axis[SP_D], *ah_ = &(p)->axis[SP_H], *aw_ = &(p)->axis[SP_W]; \
        for (int64_t jd = 0; jd < ad_->kernel; jd++) {                                        \
            int64_t id = (od) * ad_->stride - ad_->pad_begin + jd * ad_->dilation;            \
            for (int64_t jh = 0; jh < ah_->kernel; jh++) {                                    \
                int64_t ih = (oh) * ah_->stride - ah_->pad_begin + jh * ah_->dilation;        \
                for (int64_t jw = 0; jw < aw_->kernel; jw++) {                                \
                    int64_t iw = (ow) * aw_->stride - aw_->pad_begin + jw * aw_->dilation;    \
                    if (in_padded_input(ad_, id) && in_padded_input(ah_, ih) &&               \
                        in_padded_input(aw_, iw))                                             \
                        (count).padded++;                                                     \
                    if (id < 0 || id >= ad_->in || ih < 0 || ih >= ah_->in || iw < 0 ||       \
                        iw >= aw_->in)                                                        \
                        continue;                                                             \
                    (count).valid++;                                                          \
                    int64_t at = (id * ah_->in + ih) * aw_->in + iw;                          \
                    BODY;                                                                     \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    } while (0)

static int64_t divisor_of(const sp_problem *p, window_count count)
{
    if (p->divisor_override) return p->divisor_override;
    return p->alg == SIMDPOOL_AVG_INCLUDE_PAD ? count.padded : count.valid;
}

simdpool_status sp_f32_avgpool_fwd_scalar(const sp_problem *p, const float *src, float *dst,
                                          int64_t *indices, int64_t begin, int64_t end)
{
    (void)indices;
    const int64_t step = sp_plane_step(p);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / p->channels, c = item % p->channels;
        const float *src_plane = src + sp_plane_base(p, n, c, p->in_plane);
        float *dst_plane = dst + sp_plane_base(p, n, c, p->out_plane);
        for (int64_t od = 0; od < p->axis[SP_D].out; od++)
            for (int64_t oh = 0; oh < p->axis[SP_H].out; oh++)
                for (int64_t ow = 0; ow < p->axis[SP_W].out; ow++) {
                    window_count count = {0, 0};
                    float sum = 0.0f;
                    FOR_EACH_TAP(p, od, oh, ow, count, at, sum += src_plane[at * step]);
                    int64_t o = (od * p->axis[SP_H].out + oh) * p->axis[SP_W].out + ow;
                    /* A window with no valid tap averages to 0, whatever the divisor. */
                    dst_plane[o * step] =
                        count.valid == 0 ? 0.0f : sum / (float)divisor_of(p, count);
                }
    }
    return SIMDPOOL_OK;
}

simdpool_status sp_f32_avgpool_bwd_scalar(const sp_problem *p, const float *diff_dst,
                                          const int64_t *indices, const float *src,
                                          float *diff_src, int64_t begin, int64_t end)
{
    (void)indices;
    (void)src;
    const int64_t step = sp_plane_step(p);
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / p->channels, c = item % p->channels;
        float *diff_src_plane = diff_src + sp_plane_base(p, n, c, p->in_plane);
        const float *diff_dst_plane = diff_dst + sp_plane_base(p, n, c, p->out_plane);
        for (int64_t i = 0; i < p->in_plane; i++) diff_src_plane[i * step] = 0.0f;
        for (int64_t od = 0; od < p->axis[SP_D].out; od++)
            for (int64_t oh = 0; oh < p->axis[SP_H].out; oh++)
                for (int64_t ow = 0; ow < p->axis[SP_W].out; ow++) {
                    /* The divisor needs the whole window's counts before any tap
                     * receives its share, so count first, then distribute. */
                    window_count count = {0, 0};
                    FOR_EACH_TAP(p, od, oh, ow, count, at, (void)at);
                    if (count.valid == 0) continue;
                    int64_t o = (od * p->axis[SP_H].out + oh) * p->axis[SP_W].out + ow;
                    float share = diff_dst_plane[o * step] / (float)divisor_of(p, count);
                    window_count unused = {0, 0};
                    FOR_EACH_TAP(p, od, oh, ow, unused, at, diff_src_plane[at * step] += share);
                }
    }
    return SIMDPOOL_OK;
}
