/*
 * Which channels-last kernels take which problems, for every SIMD ISA.
 * Every channels-last problem has a kernel (the general ones take any shape);
 * dense 3x3, 1x3 (1D) and 2x2 max windows get unrolled ones. Forward kernels split by
 * output row; backward ones by image, because overlapping windows make
 * output rows write the same diff_src rows.
 */
#include "pick.h"

/* Dense kh x kw windows over H and W only (one D tap, no dilation) with
 * in-plane offsets that fit the int32 lanes: the unrolled kernels' domain. */
static int is_dense_2d(const sp_problem *p, int64_t kh, int64_t kw)
{
    return p->axis[SP_D].kernel == 1 && p->axis[SP_H].kernel == kh &&
           p->axis[SP_W].kernel == kw && p->axis[SP_H].dilation == 1 &&
           p->axis[SP_W].dilation == 1 && p->in_plane < ((int64_t)1 << 31);
}

static sp_forward_kernel rows(sp_named_forward k)
{
    return (sp_forward_kernel){k.run, SP_WORK_OUT_ROWS, k.name};
}

sp_forward_kernel sp_pick_forward_nhwc(const sp_nhwc_set *set, const sp_problem *p)
{
    if (p->alg != SIMDPOOL_MAX) return rows(set->avg_fwd);
    if (is_dense_2d(p, 3, 3) || is_dense_2d(p, 1, 3)) return rows(set->max_fwd_3x3);
    if (is_dense_2d(p, 2, 2)) return rows(set->max_fwd_2x2);
    return rows(set->max_fwd);
}

sp_backward_kernel sp_pick_backward_nhwc(const sp_nhwc_set *set, const sp_problem *p)
{
    sp_named_backward k = p->alg == SIMDPOOL_MAX ? set->max_bwd : set->avg_bwd;
    return (sp_backward_kernel){k.run, SP_WORK_IMAGES, k.name};
}
