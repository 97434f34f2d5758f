/*
 * The channels-first kernels of neon, as dispatch/table_neon.c sees them.
 * Plain C: no intrinsics here.
 */
#ifndef SIMDPOOL_NEON_NCHW_KERNELS_H
#define SIMDPOOL_NEON_NCHW_KERNELS_H

#include "problem.h"

simdpool_status sp_f32_maxpool_fwd_nchw_neon(const sp_problem *p, const float *src, float *dst,
                                             int64_t *indices, int64_t begin, int64_t end);
simdpool_status sp_f32_maxpool_bwd_nchw_neon(const sp_problem *p, const float *diff_dst,
                                             const int64_t *indices, const float *src,
                                             float *diff_src, int64_t begin, int64_t end);
simdpool_status sp_f32_avgpool_fwd_nchw_neon(const sp_problem *p, const float *src, float *dst,
                                             int64_t *indices, int64_t begin, int64_t end);
simdpool_status sp_f32_avgpool_fwd_nchw_global_neon(const sp_problem *p, const float *src,
                                                    float *dst, int64_t *indices, int64_t begin,
                                                    int64_t end);
simdpool_status sp_f32_avgpool_bwd_nchw_neon(const sp_problem *p, const float *diff_dst,
                                             const int64_t *indices, const float *src,
                                             float *diff_src, int64_t begin, int64_t end);
simdpool_status sp_f32_avgpool_bwd_nchw_global_neon(const sp_problem *p, const float *diff_dst,
                                                    const int64_t *indices, const float *src,
                                                    float *diff_src, int64_t begin, int64_t end);

#endif
