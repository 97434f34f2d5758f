/*
 * The channels-last kernels each SIMD ISA builds from the shared templates,
 * as the picker (dispatch/pick_nhwc.c) sees them. Plain C: no intrinsics.
 */
#ifndef SIMDPOOL_NHWC_KERNELS_H
#define SIMDPOOL_NHWC_KERNELS_H

#include "problem.h"

#define SP_NHWC_KERNELS(isa)                                                                    \
    simdpool_status sp_f32_maxpool_fwd_nhwc_##isa(const sp_problem *p, const float *src,        \
                                                  float *dst, int64_t *indices, int64_t begin,  \
                                                  int64_t end);                                 \
    simdpool_status sp_f32_maxpool_fwd_nhwc_3x3_##isa(const sp_problem *p, const float *src,    \
                                                      float *dst, int64_t *indices,             \
                                                      int64_t begin, int64_t end);              \
    simdpool_status sp_f32_maxpool_fwd_nhwc_2x2_##isa(const sp_problem *p, const float *src,    \
                                                      float *dst, int64_t *indices,             \
                                                      int64_t begin, int64_t end);              \
    simdpool_status sp_f32_maxpool_bwd_nhwc_##isa(const sp_problem *p, const float *diff_dst,   \
                                                  const int64_t *indices, const float *src,     \
                                                  float *diff_src, int64_t begin, int64_t end); \
    simdpool_status sp_f32_avgpool_fwd_nhwc_##isa(const sp_problem *p, const float *src,        \
                                                  float *dst, int64_t *indices, int64_t begin,  \
                                                  int64_t end);                                 \
    simdpool_status sp_f32_avgpool_bwd_nhwc_##isa(const sp_problem *p, const float *diff_dst,   \
                                                  const int64_t *indices, const float *src,     \
                                                  float *diff_src, int64_t begin, int64_t end);

SP_NHWC_KERNELS(avx2)
SP_NHWC_KERNELS(avx2_nt)
SP_NHWC_KERNELS(avx512)
SP_NHWC_KERNELS(avx512_nt)
SP_NHWC_KERNELS(neon)

#endif
