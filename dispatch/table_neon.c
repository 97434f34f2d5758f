/*
 * The neon kernels and the problems each one takes. They are the x86
 * templates compiled for 4 lanes (kernels/neon/), so the choice follows
 * dispatch/pick_x86_nhwc.c and pick_x86_nchw.c: every channels-last
 * problem has a kernel (dense 3x3 and 2x2 max windows an unrolled one), and
 * every channels-first problem whose lane positions fit int32.
 * Compiled on every architecture, without ISA flags: on a build without
 * neon the pickers return no kernel.
 */
#include "dispatch.h"

#ifdef SIMDPOOL_HAVE_NEON
#include "../kernels/common/nhwc_kernels.h"
#include "../kernels/neon/nchw_kernels.h"

SP_NHWC_KERNELS(neon)

#define KERNEL(fn, unit) {fn, unit, #fn + 3} /* the name drops the "sp_" prefix */

/* Dense kh x kw windows over H and W only (one D tap, no dilation) with
 * in-plane offsets that fit the int32 lanes: the unrolled kernels' domain. */
static int is_dense_2d(const sp_problem *p, int64_t kh, int64_t kw)
{
    return p->axis[SP_D].kernel == 1 && p->axis[SP_H].kernel == kh &&
           p->axis[SP_W].kernel == kw && p->axis[SP_H].dilation == 1 &&
           p->axis[SP_W].dilation == 1 && p->in_plane < ((int64_t)1 << 31);
}

static sp_forward_kernel pick_forward_nhwc(const sp_problem *p)
{
    if (p->alg != SIMDPOOL_MAX)
        return (sp_forward_kernel)KERNEL(sp_f32_avgpool_fwd_nhwc_neon, SP_WORK_OUT_ROWS);
    if (is_dense_2d(p, 3, 3))
        return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_3x3_neon, SP_WORK_OUT_ROWS);
    if (is_dense_2d(p, 2, 2))
        return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_2x2_neon, SP_WORK_OUT_ROWS);
    return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_neon, SP_WORK_OUT_ROWS);
}

/* Backward by image: overlapping windows make output rows share diff_src rows. */
static sp_backward_kernel pick_backward_nhwc(const sp_problem *p)
{
    if (p->alg == SIMDPOOL_MAX)
        return (sp_backward_kernel)KERNEL(sp_f32_maxpool_bwd_nhwc_neon, SP_WORK_IMAGES);
    return (sp_backward_kernel)KERNEL(sp_f32_avgpool_bwd_nhwc_neon, SP_WORK_IMAGES);
}

#define LIMIT ((int64_t)1 << 30)

/* The planar kernels' lane arithmetic is int32: plane offsets, and every W
 * position a lane can compute, (out + lanes) * stride + extent, below 2^30. */
static int fits_int32_lanes(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (p->in_plane >= LIMIT || p->out_plane >= LIMIT) return 0;
    if (aw->stride >= LIMIT / 64 || aw->extent >= LIMIT / 4 || aw->pad_begin >= LIMIT / 4)
        return 0;
    return (aw->out + 32) * aw->stride + aw->extent + aw->pad_begin < LIMIT;
}

/* The whole plane is the one window: no padding at the start, dense. */
static int is_global(const sp_problem *p)
{
    for (int i = 0; i < 3; i++) {
        const sp_axis *a = &p->axis[i];
        if (a->out != 1 || a->pad_begin != 0 || a->kernel != a->in ||
            (a->kernel > 1 && a->dilation != 1))
            return 0;
    }
    return 1;
}

/* Which interior W path the problem runs, for the kernel's name: 0 general
 * (gathers), then k3s2, k2s2, k3s1 (unrolled), s1 (contiguous loads), s2
 * (deinterleaved loads). */
static int shape_slot(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (aw->dilation == 1 && aw->stride == 2 && aw->kernel == 3) return 1;
    if (aw->dilation == 1 && aw->stride == 2 && aw->kernel == 2) return 2;
    if (aw->dilation == 1 && aw->stride == 1 && aw->kernel == 3) return 3;
    if (aw->stride == 1) return 4;
    if (aw->stride == 2 && aw->dilation == 1) return 5;
    return 0;
}

#define NCHW_NAMES(op)                                                                      \
    {"f32_" op "_nchw_neon", "f32_" op "_nchw_k3s2_neon", "f32_" op "_nchw_k2s2_neon",      \
     "f32_" op "_nchw_k3s1_neon", "f32_" op "_nchw_s1_neon", "f32_" op "_nchw_s2_neon"}

static sp_forward_kernel pick_forward_nchw(const sp_problem *p)
{
    static const char *const max_names[] = NCHW_NAMES("maxpool_fwd");
    static const char *const avg_names[] = NCHW_NAMES("avgpool_fwd");
    sp_forward_kernel k = {0};
    if (!fits_int32_lanes(p)) return k;
    k.unit = SP_WORK_PLANES;
    if (p->alg == SIMDPOOL_MAX) {
        k.run = sp_f32_maxpool_fwd_nchw_neon;
        k.name = max_names[shape_slot(p)];
    } else if (is_global(p)) {
        k.run = sp_f32_avgpool_fwd_nchw_global_neon;
        k.name = "f32_avgpool_fwd_nchw_global_neon";
    } else {
        k.run = sp_f32_avgpool_fwd_nchw_neon;
        k.name = avg_names[shape_slot(p)];
    }
    return k;
}

static sp_backward_kernel pick_backward_nchw(const sp_problem *p)
{
    sp_backward_kernel k = {0};
    if (!fits_int32_lanes(p)) return k;
    if (p->alg == SIMDPOOL_MAX)
        return (sp_backward_kernel)KERNEL(sp_f32_maxpool_bwd_nchw_neon, SP_WORK_PLANES);
    if (is_global(p))
        return (sp_backward_kernel)KERNEL(sp_f32_avgpool_bwd_nchw_global_neon, SP_WORK_PLANES);
    return (sp_backward_kernel)KERNEL(sp_f32_avgpool_bwd_nchw_neon, SP_WORK_PLANES);
}
#endif

static sp_forward_kernel pick_forward(const sp_problem *p)
{
#ifdef SIMDPOOL_HAVE_NEON
    return p->layout == SIMDPOOL_CHANNELS_LAST ? pick_forward_nhwc(p) : pick_forward_nchw(p);
#else
    (void)p;
    return (sp_forward_kernel){0};
#endif
}

static sp_backward_kernel pick_backward(const sp_problem *p)
{
#ifdef SIMDPOOL_HAVE_NEON
    return p->layout == SIMDPOOL_CHANNELS_LAST ? pick_backward_nhwc(p) : pick_backward_nchw(p);
#else
    (void)p;
    return (sp_backward_kernel){0};
#endif
}

const sp_isa_table sp_table_neon = {pick_forward, pick_backward};
