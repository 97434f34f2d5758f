/*
 * The scalar reference: the oracle every other kernel is checked against.
 * One (n, c) plane per work item, either layout, 1D/2D/3D alike.
 */
#ifndef SIMDPOOL_REFERENCE_H
#define SIMDPOOL_REFERENCE_H

#include "problem.h"

simdpool_status sp_f32_maxpool_fwd_scalar(const sp_problem *p, const float *src, float *dst,
                                          int64_t *indices, int64_t begin, int64_t end);
simdpool_status sp_f32_maxpool_bwd_scalar(const sp_problem *p, const float *diff_dst,
                                          const int64_t *indices, const float *src,
                                          float *diff_src, int64_t begin, int64_t end);
simdpool_status sp_f32_avgpool_fwd_scalar(const sp_problem *p, const float *src, float *dst,
                                          int64_t *indices, int64_t begin, int64_t end);
simdpool_status sp_f32_avgpool_bwd_scalar(const sp_problem *p, const float *diff_dst,
                                          const int64_t *indices, const float *src,
                                          float *diff_src, int64_t begin, int64_t end);

#endif
