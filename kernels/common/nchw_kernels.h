/*
 * The channels-first kernels each SIMD ISA builds from the shared planar
 * templates, as the picker (dispatch/pick_nchw.c) sees them. Plain C.
 */
#ifndef SIMDPOOL_NCHW_KERNELS_H
#define SIMDPOOL_NCHW_KERNELS_H

#include "problem.h"

#define SP_NCHW_KERNELS(isa)                                                                      \
    simdpool_status sp_f32_maxpool_fwd_nchw_##isa(const sp_problem *p, const float *src,      \
                                                  float *dst, int64_t *indices, int64_t begin, \
                                                  int64_t end);                                \
    simdpool_status sp_f32_maxpool_bwd_nchw_##isa(const sp_problem *p, const float *diff_dst, \
                                                  const int64_t *indices, const float *src,    \
                                                  float *diff_src, int64_t begin, int64_t end);\
    simdpool_status sp_f32_avgpool_fwd_nchw_##isa(const sp_problem *p, const float *src,      \
                                                  float *dst, int64_t *indices, int64_t begin, \
                                                  int64_t end);                                \
    simdpool_status sp_f32_avgpool_fwd_nchw_global_##isa(const sp_problem *p, const float *src,\
                                                         float *dst, int64_t *indices,         \
                                                         int64_t begin, int64_t end);          \
    simdpool_status sp_f32_avgpool_bwd_nchw_##isa(const sp_problem *p, const float *diff_dst, \
                                                  const int64_t *indices, const float *src,    \
                                                  float *diff_src, int64_t begin, int64_t end);\
    simdpool_status sp_f32_avgpool_bwd_nchw_global_##isa(                                      \
        const sp_problem *p, const float *diff_dst, const int64_t *indices, const float *src,  \
        float *diff_src, int64_t begin, int64_t end);

SP_NCHW_KERNELS(avx2)
SP_NCHW_KERNELS(avx2_nt)
SP_NCHW_KERNELS(avx512)
SP_NCHW_KERNELS(avx512_nt)
SP_NCHW_KERNELS(neon)

#endif
