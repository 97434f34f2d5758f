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

sp_forward_kernel sp_pick_forward_nhwc(simdpool_isa isa, const sp_problem *p)
{
    const int max = p->alg == SIMDPOOL_MAX;
    switch (isa) {
#ifdef SIMDPOOL_HAVE_AVX512
    case SIMDPOOL_ISA_AVX512:
        if (max) return (sp_forward_kernel)KERNEL(sp_f32_maxpool_fwd_nhwc_avx512, SP_WORK_OUT_ROWS);
        return (sp_forward_kernel)KERNEL(sp_f32_avgpool_fwd_nhwc_avx512, SP_WORK_OUT_ROWS);
#endif
#ifdef SIMDPOOL_HAVE_AVX2
    case SIMDPOOL_ISA_AVX2:
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
