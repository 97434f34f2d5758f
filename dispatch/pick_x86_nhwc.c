/*
 * Which NHWC kernels of AVX2 and AVX-512 take which problems. Every
 * channels-last problem has a kernel in both ISAs (the general ones take
 * any shape); shape-specialized kernels are chosen first where they apply.
 * Forward kernels split by output row; backward ones by image, because
 * overlapping windows make output rows write the same diff_src rows.
 */
#include "../kernels/common/nhwc_kernels.h"
#include "pick_x86.h"

#define KERNEL(fn, unit) {fn, unit, #fn + 3} /* the name drops the "sp_" prefix */

/* Dense kh x kw windows over H and W only (one D tap, no dilation) with
 * in-plane offsets that fit the int32 lanes: the unrolled kernels' domain. */
static int is_dense_2d(const sp_problem *p, int64_t kh, int64_t kw)
{
    return p->axis[SP_D].kernel == 1 && p->axis[SP_H].kernel == kh &&
           p->axis[SP_W].kernel == kw && p->axis[SP_H].dilation == 1 &&
           p->axis[SP_W].dilation == 1 && p->in_plane < ((int64_t)1 << 31);
}

sp_forward_kernel sp_pick_forward_nhwc(simdpool_isa isa, const sp_problem *p)
{
    const int max = p->alg == SIMDPOOL_MAX;
    switch (isa) {
#ifdef SIMDPOOL_HAVE_AVX512
    case SIMDPOOL_ISA_AVX512:
        if (max && is_dense_2d(p, 3, 3))
            return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_3x3_avx512, SP_WORK_OUT_ROWS);
        if (max && is_dense_2d(p, 2, 2))
            return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_2x2_avx512, SP_WORK_OUT_ROWS);
        if (max) return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_avx512, SP_WORK_OUT_ROWS);
        return (sp_forward_kernel)KERNEL(sp_f32_avgpool_fwd_nhwc_avx512, SP_WORK_OUT_ROWS);
#endif
#ifdef SIMDPOOL_HAVE_AVX2
    case SIMDPOOL_ISA_AVX2:
        if (max && is_dense_2d(p, 3, 3))
            return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_3x3_avx2, SP_WORK_OUT_ROWS);
        if (max && is_dense_2d(p, 2, 2))
            return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_2x2_avx2, SP_WORK_OUT_ROWS);
        if (max) return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_avx2, SP_WORK_OUT_ROWS);
        return (sp_forward_kernel)KERNEL(sp_f32_avgpool_fwd_nhwc_avx2, SP_WORK_OUT_ROWS);
#endif
    default: break;
    }
    return (sp_forward_kernel){0};
}

sp_backward_kernel sp_pick_backward_nhwc(simdpool_isa isa, const sp_problem *p)
{
    const int max = p->alg == SIMDPOOL_MAX;
    switch (isa) {
#ifdef SIMDPOOL_HAVE_AVX512
    case SIMDPOOL_ISA_AVX512:
        if (max) return (sp_backward_kernel)KERNEL(sp_f32_maxpool_bwd_nhwc_avx512, SP_WORK_IMAGES);
        return (sp_backward_kernel)KERNEL(sp_f32_avgpool_bwd_nhwc_avx512, SP_WORK_IMAGES);
#endif
#ifdef SIMDPOOL_HAVE_AVX2
    case SIMDPOOL_ISA_AVX2:
        if (max) return (sp_backward_kernel)KERNEL(sp_f32_maxpool_bwd_nhwc_avx2, SP_WORK_IMAGES);
        return (sp_backward_kernel)KERNEL(sp_f32_avgpool_bwd_nhwc_avx2, SP_WORK_IMAGES);
#endif
    default: break;
    }
    return (sp_backward_kernel){0};
}
