/* The avx512 kernels: each layout's picker says which problems its kernels take. */
#include "dispatch.h"
#include "pick_x86.h"

static sp_forward_kernel pick_forward(const sp_problem *p)
{
    return p->layout == SIMDPOOL_CHANNELS_LAST ? sp_pick_forward_nhwc(SIMDPOOL_ISA_AVX512, p)
                                               : sp_pick_forward_nchw(SIMDPOOL_ISA_AVX512, p);
}

static sp_backward_kernel pick_backward(const sp_problem *p)
{
    return p->layout == SIMDPOOL_CHANNELS_LAST ? sp_pick_backward_nhwc(SIMDPOOL_ISA_AVX512, p)
                                               : sp_pick_backward_nchw(SIMDPOOL_ISA_AVX512, p);
}

const sp_isa_table sp_table_avx512 = {pick_forward, pick_backward};
