/*
 * Which channels-first kernels take which problems, for every SIMD ISA.
 *
 * Every channels-first problem has a vectorized kernel (kernels/<isa>/
 * maxpool_nchw.c, avgpool_nchw.c). Inside them, each output row picks its
 * W path (stride-1 loads, stride-2 deinterleave, gathers; exact masked path
 * at the borders), so the entries here are by operation; the names say which
 * inner path the problem's interior runs. The one limit: lane positions are
 * int32, so planes (and W-axis arithmetic) must stay below 2^30.
 */
#include "pick.h"

#define LIMIT ((int64_t)1 << 30)

/* int32 lane arithmetic stays exact: plane offsets, and every W position a
 * lane can compute, (out + lanes) * stride + extent, below 2^30. */
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

/* Which interior W path the problem runs, as an index into the set's names:
 * general (gathers), k3s2, k2s2, k3s1 (unrolled), s1 (contiguous loads), s2
 * (deinterleaved loads). */
static int shape_of(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (aw->dilation == 1 && aw->stride == 2 && aw->kernel == 3) return 1;
    if (aw->dilation == 1 && aw->stride == 2 && aw->kernel == 2) return 2;
    if (aw->dilation == 1 && aw->stride == 1 && aw->kernel == 3) return 3;
    if (aw->stride == 1) return 4;
    if (aw->stride == 2 && aw->dilation == 1) return 5;
    return 0;
}

sp_forward_kernel sp_pick_forward_nchw(const sp_nchw_set *set, const sp_problem *p)
{
    if (!fits_int32_lanes(p)) return (sp_forward_kernel){0};
    if (p->alg == SIMDPOOL_MAX)
        return (sp_forward_kernel){set->max_fwd, SP_WORK_PLANES, set->max_fwd_names[shape_of(p)]};
    if (is_global(p))
        return (sp_forward_kernel){set->avg_fwd_global, SP_WORK_PLANES, set->avg_fwd_global_name};
    return (sp_forward_kernel){set->avg_fwd, SP_WORK_PLANES, set->avg_fwd_names[shape_of(p)]};
}

sp_backward_kernel sp_pick_backward_nchw(const sp_nchw_set *set, const sp_problem *p)
{
    if (!fits_int32_lanes(p)) return (sp_backward_kernel){0};
    if (p->alg == SIMDPOOL_MAX)
        return (sp_backward_kernel){set->max_bwd, SP_WORK_PLANES, set->max_bwd_name};
    if (is_global(p))
        return (sp_backward_kernel){set->avg_bwd_global, SP_WORK_PLANES, set->avg_bwd_global_name};
    return (sp_backward_kernel){set->avg_bwd, SP_WORK_PLANES, set->avg_bwd_name};
}
