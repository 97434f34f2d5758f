/*
 * The SIMD ISAs' tables: each ISA's kernel sets, built from the shared
 * templates, behind the one picker per layout. Only the ISAs of this build.
 */
#include "../kernels/common/nchw_kernels.h"
#include "../kernels/common/nhwc_kernels.h"
#include "pick.h"

/* nhwc_streaming, nchw_streaming: the sets whose kernels store their outputs
 * non-temporally (the x86 ISAs' *_nt builds, unless the build leaves them out;
 * NEON has one set for both). */
#define SP_ISA_TABLE(isa, nhwc_streaming, nchw_streaming)                                     \
    static const sp_nhwc_set nhwc_##isa = SP_NHWC_SET(isa);                                 \
    static const sp_nchw_set nchw_##isa = SP_NCHW_SET(isa);                                 \
    static const sp_nhwc_set nhwc_streaming_##isa = nhwc_streaming;                          \
    static const sp_nchw_set nchw_streaming_##isa = nchw_streaming;                          \
    static sp_forward_kernel pick_forward_##isa(const sp_problem *p, bool stream)           \
    {                                                                                       \
        if (p->layout == SIMDPOOL_CHANNELS_LAST)                                            \
            return sp_pick_forward_nhwc(stream ? &nhwc_streaming_##isa : &nhwc_##isa, p);   \
        return sp_pick_forward_nchw(stream ? &nchw_streaming_##isa : &nchw_##isa, p);       \
    }                                                                                       \
    static sp_backward_kernel pick_backward_##isa(const sp_problem *p, bool stream)         \
    {                                                                                       \
        if (p->layout == SIMDPOOL_CHANNELS_LAST)                                            \
            return sp_pick_backward_nhwc(stream ? &nhwc_streaming_##isa : &nhwc_##isa, p);  \
        return sp_pick_backward_nchw(stream ? &nchw_streaming_##isa : &nchw_##isa, p);      \
    }                                                                                       \
    const sp_isa_table sp_table_##isa = {pick_forward_##isa, pick_backward_##isa};

#ifdef SIMDPOOL_STREAMING_KERNELS
#define SP_X86_TABLE(isa) \
    SP_ISA_TABLE(isa, SP_NHWC_SET(isa##_nt), SP_NCHW_STREAMING_SET(isa, isa##_nt))
#else
#define SP_X86_TABLE(isa) SP_ISA_TABLE(isa, SP_NHWC_SET(isa), SP_NCHW_SET(isa))
#endif

#ifdef SIMDPOOL_HAVE_AVX2
SP_X86_TABLE(avx2)
#endif
#ifdef SIMDPOOL_HAVE_AVX512
SP_X86_TABLE(avx512)
#endif
#ifdef SIMDPOOL_HAVE_NEON
SP_ISA_TABLE(neon, SP_NHWC_SET(neon), SP_NCHW_SET(neon))
#endif
