/*
 * Window arithmetic shared by the channels-last kernels of every ISA (plain
 * C, no intrinsics). In NHWC a window's taps are whole pixels of C channels,
 * so the kernels work out once per output pixel where the valid taps are and
 * then run branch-free over the channels; these helpers are that per-pixel
 * part, with the interior (every tap inside the input) kept free of divisions.
 */
#ifndef SIMDPOOL_NHWC_WINDOW_H
#define SIMDPOOL_NHWC_WINDOW_H

#include <stdint.h>

#include "problem.h"

/* Output o of axis a: the first valid tap's input coordinate *x0, the number
 * of valid taps *n (0 when none; then *x0 is meaningless) and, when npad is
 * not NULL, the taps inside the padded input (the include-padding factor). */
static inline void sp_nhwc_axis(const sp_axis *a, int64_t o, int64_t *x0, int64_t *n,
                                int64_t *npad)
{
    if (o >= a->interior_begin && o < a->interior_end) {
        *x0 = o * a->stride - a->pad_begin;
        *n = a->kernel;
        /* Interior taps are inputs, always inside the padded input. */
        if (npad) *npad = a->kernel;
        return;
    }
    int64_t j0, j1;
    sp_axis_valid_taps(a, o, &j0, &j1);
    *x0 = sp_window_start(a, o) + j0 * a->dilation;
    *n = j1 - j0;
    if (npad) *npad = sp_axis_padded_taps(a, o);
}

/* The valid taps of one window, ready for a channel loop: the first tap's
 * element offset (pixel * C) and spatial index, the steps between taps along
 * each axis in elements and in spatial indices, and the tap counts. */
typedef struct sp_nhwc_taps {
    int64_t n[3];
    int64_t first_pixel;   /* spatial index (d*IH + h)*IW + w of the first valid tap */
    int64_t step_pixel[3]; /* spatial index step per tap along D, H, W */
} sp_nhwc_taps;

static inline void sp_nhwc_pixel_steps(const sp_problem *p, int64_t step_pixel[3])
{
    const sp_axis *ad = &p->axis[SP_D], *ah = &p->axis[SP_H], *aw = &p->axis[SP_W];
    step_pixel[SP_D] = ad->dilation * ah->in * aw->in;
    step_pixel[SP_H] = ah->dilation * aw->in;
    step_pixel[SP_W] = aw->dilation;
}

/* The largest spatial-index distance between two valid taps of one window,
 * over all windows: kernels keep tap offsets relative to a window's first
 * valid tap in int32 lanes when this is below 2^31. */
static inline int64_t sp_nhwc_max_span(const sp_problem *p)
{
    int64_t span = 0;
    for (int k = 0; k < 3; k++) {
        const sp_axis *a = &p->axis[k];
        int64_t reach = a->extent < a->in ? a->extent : a->in; /* clipped window extent */
        int64_t below = k == SP_D ? p->axis[SP_H].in * p->axis[SP_W].in
                        : k == SP_H ? p->axis[SP_W].in
                                    : 1;
        span += (reach - 1) * below;
    }
    return span;
}

#define SP_NHWC_INT32_SPAN ((int64_t)1 << 31)

/* ---- backward by gathering: which outputs does input coordinate i feed? ---- */

/* Outputs o in [*lo, *hi] (empty when lo > hi) whose windows reach input
 * coordinate i; with dilation > 1 only those where sp_axis_covers holds have
 * i as a tap. */
static inline void sp_axis_covering(const sp_axis *a, int64_t i, int64_t *lo, int64_t *hi)
{
    int64_t t = i + a->pad_begin; /* >= 0 */
    int64_t h = t / a->stride;
    int64_t l = t - (a->extent - 1);
    l = l <= 0 ? 0 : sp_ceil_div_nonneg(l, a->stride);
    *lo = l;
    *hi = h < a->out - 1 ? h : a->out - 1;
}

static inline int sp_axis_covers(const sp_axis *a, int64_t i, int64_t o)
{
    return a->dilation == 1 || (i + a->pad_begin - o * a->stride) % a->dilation == 0;
}

/* sp_axis_covering for i = 0, 1, 2, ... without divisions: start with
 * sp_cover_init(a, &it), then it.lo/it.hi hold the range of it.i; advance
 * with sp_cover_next. */
typedef struct sp_cover_iter {
    int64_t i, lo_raw, hi_raw, lo, hi;
} sp_cover_iter;

static inline void sp_cover_clip(const sp_axis *a, sp_cover_iter *it)
{
    it->lo = it->lo_raw < 0 ? 0 : it->lo_raw;
    it->hi = it->hi_raw < a->out - 1 ? it->hi_raw : a->out - 1;
}

static inline void sp_cover_init_at(const sp_axis *a, int64_t i, sp_cover_iter *it)
{
    int64_t num = i + a->pad_begin - (a->extent - 1); /* lo_raw = ceil(num / stride) */
    it->i = i;
    it->lo_raw = num >= 0 ? sp_ceil_div_nonneg(num, a->stride) : -((-num) / a->stride);
    it->hi_raw = (i + a->pad_begin) / a->stride;
    sp_cover_clip(a, it);
}

static inline void sp_cover_init(const sp_axis *a, sp_cover_iter *it)
{
    sp_cover_init_at(a, 0, it);
}

static inline void sp_cover_next(const sp_axis *a, sp_cover_iter *it)
{
    it->i++;
    if (it->i + a->pad_begin >= (it->hi_raw + 1) * a->stride) it->hi_raw++;
    if (it->i + a->pad_begin - (a->extent - 1) > it->lo_raw * a->stride) it->lo_raw++;
    sp_cover_clip(a, it);
}

/* Outputs of the axis whose window has at least one valid tap. */
static inline int64_t sp_axis_nonempty(const sp_axis *a)
{
    int64_t n = 0;
    for (int64_t o = 0; o < a->out; o++) {
        int64_t j0, j1;
        sp_axis_valid_taps(a, o, &j0, &j1);
        n += j1 > j0;
    }
    return n;
}

#endif
