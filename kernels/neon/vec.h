/*
 * The AArch64 Advanced SIMD (NEON) side of simdpool's tiny vector API: 4
 * float lanes. Same names and meaning as kernels/avx512/vec.h (read its
 * header comment for the conventions); what differs on NEON:
 *
 * - spv_max(a, b) must be a > b ? a : b per lane (ties and NaN give b), as
 *   x86 maxps is. NEON's FMAX returns NaN when either operand is NaN and
 *   FMAXNM returns the number, and both return +0.0 for (+0.0, -0.0) in
 *   either order, so neither keeps the earlier tap on a signed-zero tie
 *   (SEMANTICS.md E12/E13): it is a compare and a bit select.
 * - There are no masked loads or stores. A tail (spv_t) is just the count of
 *   lanes n (1..4), loaded and stored as a 2-lane and/or a 1-lane access so
 *   that nothing past the n floats is read or written; the forward
 *   templates use an overlapping last vector instead whenever C >= 4.
 * - The "NaN seen" accumulator is a float vector folded with FMAX, the one
 *   NEON operation that propagates NaN from either operand: a lane of the
 *   accumulator is NaN exactly when some folded tap was, at one FMAX per
 *   pair of taps off the max chain.
 * - Compare results are all-ones/all-zero uint32 lanes; spv_mbits packs
 *   them into a 4-bit mask.
 */
#ifndef SIMDPOOL_NEON_VEC_H
#define SIMDPOOL_NEON_VEC_H

#include <arm_neon.h>
#include <stdint.h>

#define SPV_W 4
#define SPV_ISA_SUFFIX neon
#define SPV_INLINE static inline __attribute__((always_inline))
/* No masked stores: when a row holds at least one whole vector, the forward
 * kernels redo its last SPV_W channels (the overlapping lanes get the same
 * values again) instead of going through the lane-by-lane tail. */
#define SPV_TAIL_OVERLAP 1

typedef float32x4_t spv_f;
typedef int32x4_t spv_i;
typedef uint32x4_t spv_m;
typedef int spv_t;         /* lanes in the tail, 1..SPV_W */
typedef float32x4_t spv_n; /* NaN in a lane: a NaN was folded into it */

SPV_INLINE spv_t spv_tail(int64_t n) { return (spv_t)n; }

SPV_INLINE spv_f spv_load(const float *p) { return vld1q_f32(p); }
/* Lanes n.. are not read and come back 0. */
SPV_INLINE spv_f spv_load_t(const float *p, spv_t n)
{
    const float32x2_t z = vdup_n_f32(0.0f);
    float32x2_t lo = n >= 2 ? vld1_f32(p) : vld1_lane_f32(p, z, 0);
    float32x2_t hi = n >= 4 ? vld1_f32(p + 2) : n == 3 ? vld1_lane_f32(p + 2, z, 0) : z;
    return vcombine_f32(lo, hi);
}
SPV_INLINE void spv_store(float *p, spv_f v) { vst1q_f32(p, v); }
/* Output stores stay plain here: the x86 ISAs also build streaming kernels. */
#define SPV_STREAM_STORES 0
SPV_INLINE void spv_store_out(float *p, spv_f v) { vst1q_f32(p, v); }
SPV_INLINE void spv_store_t(float *p, spv_f v, spv_t n)
{
    if (n >= 2)
        vst1_f32(p, vget_low_f32(v));
    else
        vst1q_lane_f32(p, v, 0);
    if (n >= 4)
        vst1_f32(p + 2, vget_high_f32(v));
    else if (n == 3)
        vst1q_lane_f32(p + 2, v, 2);
}

SPV_INLINE spv_f spv_set1(float x) { return vdupq_n_f32(x); }
SPV_INLINE spv_f spv_zero(void) { return vdupq_n_f32(0.0f); }
SPV_INLINE spv_f spv_max(spv_f a, spv_f b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
SPV_INLINE spv_f spv_add(spv_f a, spv_f b) { return vaddq_f32(a, b); }
SPV_INLINE spv_f spv_mul(spv_f a, spv_f b) { return vmulq_f32(a, b); }
SPV_INLINE spv_f spv_div(spv_f a, spv_f b) { return vdivq_f32(a, b); }
/* a * b + c, rounded once. */
SPV_INLINE spv_f spv_fma(spv_f a, spv_f b, spv_f c) { return vfmaq_f32(c, a, b); }

SPV_INLINE spv_n spv_nan_none(void) { return vdupq_n_f32(0.0f); }
SPV_INLINE spv_n spv_nan_acc(spv_n acc, spv_f a, spv_f b)
{
    /* the pair's FMAX is independent of acc: one FMAX per pair on the chain */
    return vmaxq_f32(acc, vmaxq_f32(a, b));
}
/* The same, as independent pairs combined by a tree. */
SPV_INLINE spv_n spv_nan_pair(spv_f a, spv_f b) { return vmaxq_f32(a, b); }
SPV_INLINE spv_n spv_nan_or(spv_n x, spv_n y) { return vmaxq_f32(x, y); }

SPV_INLINE unsigned spv_mbits(spv_m m)
{
    const uint32x4_t bit = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(m, bit));
}
SPV_INLINE unsigned spv_nan_lanes(spv_n acc) { return spv_mbits(vmvnq_u32(vceqq_f32(acc, acc))); }

SPV_INLINE spv_m spv_gt(spv_f a, spv_f b) { return vcgtq_f32(a, b); }
SPV_INLINE spv_f spv_select(spv_m m, spv_f if_false, spv_f if_true)
{
    return vbslq_f32(m, if_true, if_false);
}
SPV_INLINE spv_i spv_iset1(int32_t x) { return vdupq_n_s32(x); }
SPV_INLINE spv_i spv_iadd1(spv_i a, int32_t x) { return vaddq_s32(a, vdupq_n_s32(x)); }
SPV_INLINE spv_i spv_iselect(spv_m m, spv_i if_false, spv_i if_true)
{
    return vbslq_s32(m, if_true, if_false);
}
SPV_INLINE spv_m spv_ieq(spv_i a, spv_i b) { return vceqq_s32(a, b); }

SPV_INLINE spv_m spv_mnone(void) { return vdupq_n_u32(0); }
SPV_INLINE spv_m spv_mor(spv_m a, spv_m b) { return vorrq_u32(a, b); }
SPV_INLINE unsigned spv_tbits(spv_t n) { return (1u << n) - 1u; }

/* a + b in the lanes of m, a elsewhere (untouched, so -0.0 and NaN survive). */
SPV_INLINE spv_f spv_add_m(spv_f a, spv_m m, spv_f b) { return vbslq_f32(m, vaddq_f32(a, b), a); }

/* p[l] = base + idx[l] as int64, for all lanes or the first n. */
SPV_INLINE void spv_store_idx(int64_t *p, spv_i idx, int64_t base)
{
    const int64x2_t b = vdupq_n_s64(base);
    vst1q_s64(p, vaddw_s32(b, vget_low_s32(idx)));
    vst1q_s64(p + 2, vaddw_high_s32(b, idx));
}
SPV_INLINE void spv_store_idx_t(int64_t *p, spv_i idx, int64_t base, spv_t n)
{
    const int64x2_t b = vdupq_n_s64(base);
    int64x2_t lo = vaddw_s32(b, vget_low_s32(idx)), hi = vaddw_high_s32(b, idx);
    if (n >= 2)
        vst1q_s64(p, lo);
    else
        vst1q_lane_s64(p, lo, 0);
    if (n >= 4)
        vst1q_s64(p + 2, hi);
    else if (n == 3)
        vst1q_lane_s64(p + 2, hi, 0);
}

/* The first n int64 at p, the other lanes 0; nothing else is read. */
SPV_INLINE void spv_load_i64_t(const int64_t *p, spv_t n, int64x2_t *lo, int64x2_t *hi)
{
    const int64x2_t z = vdupq_n_s64(0);
    *lo = n >= 2 ? vld1q_s64(p) : vld1q_lane_s64(p, z, 0);
    *hi = n >= 4 ? vld1q_s64(p + 2) : n == 3 ? vld1q_lane_s64(p + 2, z, 0) : z;
}
SPV_INLINE uint32x4_t spv_tail_lanes(spv_t n)
{
    return vcltq_u32((uint32x4_t){0, 1, 2, 3}, vdupq_n_u32((uint32_t)n));
}

/* Two int64 lanes rebased on b: in-window lanes (0 <= x - b < limit, one
 * unsigned compare), lanes equal to -1, and the rebased values. */
SPV_INLINE void spv_rebase2(int64x2_t x, int64x2_t b, uint64x2_t limit, uint64x2_t *in,
                            uint64x2_t *m1, int64x2_t *rel)
{
    *m1 = vceqq_s64(x, vdupq_n_s64(-1));
    *rel = vsubq_s64(x, b);
    *in = vcltq_u64(vreinterpretq_u64_s64(*rel), limit);
}

/*
 * Loads saved int64 indices and rebases them on `base`: *rel = p[l] - base
 * as int32 for the lanes where 0 <= p[l] - base < limit (limit <= 2^31), and
 * returns those lanes; other lanes are out of the window for sure.
 * *minus1 gets the lanes whose index is -1. Only the first n are read.
 */
SPV_INLINE spv_m spv_load_idx_rel_t(const int64_t *p, int64_t base, int64_t limit, spv_t n,
                                    spv_i *rel, spv_m *minus1)
{
    int64x2_t lo, hi;
    spv_load_i64_t(p, n, &lo, &hi);
    const int64x2_t b = vdupq_n_s64(base);
    const uint64x2_t l = vdupq_n_u64((uint64_t)limit);
    uint64x2_t in_lo, in_hi, e_lo, e_hi;
    int64x2_t r_lo, r_hi;
    spv_rebase2(lo, b, l, &in_lo, &e_lo, &r_lo);
    spv_rebase2(hi, b, l, &in_hi, &e_hi, &r_hi);
    const uint32x4_t lanes = spv_tail_lanes(n);
    *rel = vcombine_s32(vmovn_s64(r_lo), vmovn_s64(r_hi));
    *minus1 = vandq_u32(vcombine_u32(vmovn_u64(e_lo), vmovn_u64(e_hi)), lanes);
    return vandq_u32(vcombine_u32(vmovn_u64(in_lo), vmovn_u64(in_hi)), lanes);
}
SPV_INLINE spv_m spv_load_idx_rel(const int64_t *p, int64_t base, int64_t limit, spv_i *rel,
                                  spv_m *minus1)
{
    const int64x2_t b = vdupq_n_s64(base);
    const uint64x2_t l = vdupq_n_u64((uint64_t)limit);
    uint64x2_t in_lo, in_hi, e_lo, e_hi;
    int64x2_t r_lo, r_hi;
    spv_rebase2(vld1q_s64(p), b, l, &in_lo, &e_lo, &r_lo);
    spv_rebase2(vld1q_s64(p + 2), b, l, &in_hi, &e_hi, &r_hi);
    *rel = vcombine_s32(vmovn_s64(r_lo), vmovn_s64(r_hi));
    *minus1 = vcombine_u32(vmovn_u64(e_lo), vmovn_u64(e_hi));
    return vcombine_u32(vmovn_u64(in_lo), vmovn_u64(in_hi));
}

/* The lanes where saved int64 index p[l] equals x (all lanes, or the first n). */
SPV_INLINE spv_m spv_idx_eq(const int64_t *p, int64_t x)
{
    const int64x2_t v = vdupq_n_s64(x);
    return vcombine_u32(vmovn_u64(vceqq_s64(vld1q_s64(p), v)),
                        vmovn_u64(vceqq_s64(vld1q_s64(p + 2), v)));
}
SPV_INLINE spv_m spv_idx_eq_t(const int64_t *p, int64_t x, spv_t n)
{
    const int64x2_t v = vdupq_n_s64(x);
    int64x2_t lo, hi;
    spv_load_i64_t(p, n, &lo, &hi);
    return vandq_u32(vcombine_u32(vmovn_u64(vceqq_s64(lo, v)), vmovn_u64(vceqq_s64(hi, v))),
                     spv_tail_lanes(n));
}
/* cnt + 1 in the lanes of m (whose lanes are all-ones, i.e. -1). */
SPV_INLINE spv_i spv_icount(spv_i cnt, spv_m m) { return vsubq_s32(cnt, vreinterpretq_s32_u32(m)); }

SPV_INLINE spv_i spv_iload(const int32_t *p) { return vld1q_s32(p); }
SPV_INLINE void spv_istore(int32_t *p, spv_i v) { vst1q_s32(p, v); }

/* ---- max backward (gather) ---- */
/* 1 when matching saved int64 indices costs about as much as int32 lanes
 * (int64 compares and two narrowing moves per 4 lanes): the max backward then gathers from the int64 indices directly
 * instead of narrowing them into a ring first. */
#define SPV_IDX64_CMP_CHEAP 0
/* The lanes where 0 <= a < n (n >= 1): one unsigned compare. */
SPV_INLINE spv_m spv_ibelow(spv_i a, int32_t n)
{
    return vcltq_u32(vreinterpretq_u32_s32(a), vdupq_n_u32((uint32_t)n));
}

#endif
