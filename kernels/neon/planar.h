/*
 * The AArch64 NEON side of the channels-first (planar) kernels: the small
 * vector API that kernels/common/planar_common.h (and its max/avg templates)
 * is written against, 4 lanes. Included by the neon NCHW kernel files alone.
 *
 * Masks are all-ones/all-zero uint32 lanes. NEON has neither masked loads
 * and stores nor gathers, so:
 * - a masked load or store touches exactly the lanes of its mask: prefix
 *   masks (pl_first(n), most of the templates' tails) take one 2-lane
 *   and/or one 1-lane access, others (pl_range at borders) go lane by lane;
 * - a gather is up to 4 scalar loads inserted into lanes, only for the
 *   lanes of its mask.
 * pl_max(a, b) is a > b ? a : b per lane (ties and NaN give b, like x86
 * maxps; NEON's FMAX and FMAXNM both differ on NaN and on +-0.0 ties).
 */
#ifndef SIMDPOOL_NEON_PLANAR_H
#define SIMDPOOL_NEON_PLANAR_H

#include <arm_neon.h>
#include <stdint.h>

#define PL_VL 4
#define PL_NAME(stem) stem##_neon
#define PL_INLINE static inline __attribute__((always_inline))

typedef float32x4_t pl_vf;
typedef int32x4_t pl_vi;  /* 4 int32 lanes */
typedef uint32x4_t pl_vm; /* all-ones lanes are set */

PL_INLINE pl_vi pl_ilanes(void) { return (int32x4_t){0, 1, 2, 3}; }
PL_INLINE pl_vm pl_first(int n)
{
    return vcltq_s32(pl_ilanes(), vdupq_n_s32(n));
}
/* Lanes l with lo <= l < hi (any lo, hi). */
PL_INLINE pl_vm pl_range(int64_t lo, int64_t hi)
{
    lo = lo < 0 ? 0 : lo > 4 ? 4 : lo;
    hi = hi < 0 ? 0 : hi > 4 ? 4 : hi;
    return vbicq_u32(pl_first((int)hi), pl_first((int)lo));
}
PL_INLINE pl_vm pl_mand(pl_vm a, pl_vm b) { return vandq_u32(a, b); }
PL_INLINE pl_vm pl_mor(pl_vm a, pl_vm b) { return vorrq_u32(a, b); }
PL_INLINE pl_vm pl_mandnot(pl_vm a, pl_vm b) { return vbicq_u32(b, a); } /* b and not a */
PL_INLINE pl_vm pl_mnone(void) { return vdupq_n_u32(0); }
PL_INLINE unsigned pl_mbits(pl_vm m)
{
    const uint32x4_t bit = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(m, bit));
}

PL_INLINE pl_vf pl_set1(float x) { return vdupq_n_f32(x); }
PL_INLINE pl_vf pl_zero(void) { return vdupq_n_f32(0.0f); }
PL_INLINE pl_vf pl_loadu(const float *p) { return vld1q_f32(p); }

/* The first n (0..4) floats at p, the other lanes 0; nothing else is read. */
PL_INLINE pl_vf pl_load_first(const float *p, unsigned n)
{
    const float32x2_t z = vdup_n_f32(0.0f);
    float32x2_t lo = n >= 2 ? vld1_f32(p) : n == 1 ? vld1_lane_f32(p, z, 0) : z;
    float32x2_t hi = n >= 4 ? vld1_f32(p + 2) : n == 3 ? vld1_lane_f32(p + 2, z, 0) : z;
    return vcombine_f32(lo, hi);
}
PL_INLINE void pl_store_first(float *p, pl_vf v, unsigned n)
{
    if (n >= 2)
        vst1_f32(p, vget_low_f32(v));
    else if (n == 1)
        vst1q_lane_f32(p, v, 0);
    if (n >= 4)
        vst1_f32(p + 2, vget_high_f32(v));
    else if (n == 3)
        vst1q_lane_f32(p + 2, v, 2);
}

/* Masked-off lanes are not read (no fault) and come back 0. */
PL_INLINE pl_vf pl_loadu_m(const float *p, pl_vm m)
{
    const unsigned b = pl_mbits(m);
    switch (b) {
    case 0: return vdupq_n_f32(0.0f);
    case 1: return pl_load_first(p, 1);
    case 3: return pl_load_first(p, 2);
    case 7: return pl_load_first(p, 3);
    case 15: return vld1q_f32(p);
    default: break;
    }
    pl_vf v = vdupq_n_f32(0.0f);
    if (b & 1) v = vld1q_lane_f32(p, v, 0);
    if (b & 2) v = vld1q_lane_f32(p + 1, v, 1);
    if (b & 4) v = vld1q_lane_f32(p + 2, v, 2);
    if (b & 8) v = vld1q_lane_f32(p + 3, v, 3);
    return v;
}
/* Lanes outside m are not read (no fault) and come back as `fill`. */
PL_INLINE pl_vf pl_loadu_fill(const float *p, pl_vm m, pl_vf fill)
{
    const unsigned b = pl_mbits(m);
    if (b == 15) return vld1q_f32(p);
    pl_vf v = fill;
    if (b & 1) v = vld1q_lane_f32(p, v, 0);
    if (b & 2) v = vld1q_lane_f32(p + 1, v, 1);
    if (b & 4) v = vld1q_lane_f32(p + 2, v, 2);
    if (b & 8) v = vld1q_lane_f32(p + 3, v, 3);
    return v;
}
PL_INLINE void pl_storeu(float *p, pl_vf v) { vst1q_f32(p, v); }
/* Output stores stay plain here: the x86 ISAs also build streaming kernels. */
PL_INLINE void pl_storeu_out(float *p, pl_vf v) { vst1q_f32(p, v); }
PL_INLINE void pl_storeu_m(float *p, pl_vf v, pl_vm m)
{
    const unsigned b = pl_mbits(m);
    switch (b) {
    case 0: return;
    case 1: pl_store_first(p, v, 1); return;
    case 3: pl_store_first(p, v, 2); return;
    case 7: pl_store_first(p, v, 3); return;
    case 15: vst1q_f32(p, v); return;
    default: break;
    }
    if (b & 1) vst1q_lane_f32(p, v, 0);
    if (b & 2) vst1q_lane_f32(p + 1, v, 1);
    if (b & 4) vst1q_lane_f32(p + 2, v, 2);
    if (b & 8) vst1q_lane_f32(p + 3, v, 3);
}
PL_INLINE pl_vf pl_max(pl_vf a, pl_vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
PL_INLINE pl_vf pl_add(pl_vf a, pl_vf b) { return vaddq_f32(a, b); }
PL_INLINE pl_vf pl_mul(pl_vf a, pl_vf b) { return vmulq_f32(a, b); }
PL_INLINE pl_vf pl_div(pl_vf a, pl_vf b) { return vdivq_f32(a, b); }
PL_INLINE pl_vf pl_blend(pl_vm m, pl_vf a, pl_vf b) { return vbslq_f32(m, b, a); }
PL_INLINE pl_vm pl_gt(pl_vf a, pl_vf b) { return vcgtq_f32(a, b); }
PL_INLINE pl_vm pl_eq(pl_vf a, pl_vf b) { return vceqq_f32(a, b); }
/* FMAX is NaN exactly when an operand is: one compare finds both. */
PL_INLINE pl_vm pl_unord(pl_vf a, pl_vf b)
{
    pl_vf m = vmaxq_f32(a, b);
    return vmvnq_u32(vceqq_f32(m, m));
}
PL_INLINE pl_vf pl_cvt_i(pl_vi v) { return vcvtq_f32_s32(v); }
/* Horizontal sum (any order: averages accept reassociation). */
PL_INLINE float pl_hsum(pl_vf v) { return vaddvq_f32(v); }

/* Even and odd elements of the 8 floats a:b, in order: the stride-2 deinterleave. */
PL_INLINE pl_vf pl_even(pl_vf a, pl_vf b) { return vuzp1q_f32(a, b); }
PL_INLINE pl_vf pl_odd(pl_vf a, pl_vf b) { return vuzp2q_f32(a, b); }

/* [v1 .. v3, x]: the next stride-2 tap from the even lanes, and the one
 * element past them. */
PL_INLINE pl_vf pl_shift_in(pl_vf v, float x) { return vextq_f32(v, vdupq_n_f32(x), 1); }

/* [lo1 .. lo3, hi0] and [lo3, hi0 .. hi2]: neighbours across two vectors. */
PL_INLINE pl_vf pl_next1(pl_vf lo, pl_vf hi) { return vextq_f32(lo, hi, 1); }
PL_INLINE pl_vf pl_prev1(pl_vf lo, pl_vf hi) { return vextq_f32(lo, hi, 3); }

/* Interleaves e and o: lo:hi = e0 o0 e1 o1 ... (inverse of pl_even/pl_odd). */
PL_INLINE void pl_zip(pl_vf e, pl_vf o, pl_vf *lo, pl_vf *hi)
{
    *lo = vzip1q_f32(e, o);
    *hi = vzip2q_f32(e, o);
}

/* [x, v0 .. v2]: the stride-2 tap before the odd lanes. */
PL_INLINE pl_vf pl_shift_left_in(pl_vf v, float x) { return vextq_f32(vdupq_n_f32(x), v, 3); }

/* The inverse of the deinterleave: v's lanes at the even positions of the
 * 8 floats lo:hi, zeros at the odd ones (stride-2 backward). */
PL_INLINE void pl_spread2(pl_vf v, pl_vf *lo, pl_vf *hi)
{
    *lo = vzip1q_f32(v, vdupq_n_f32(0.0f));
    *hi = vzip2q_f32(v, vdupq_n_f32(0.0f));
}

/* base[at[l]] for the lanes of m; lanes outside m are not read (no fault)
 * and come back as `fill`. */
PL_INLINE pl_vf pl_gather_m(pl_vf fill, pl_vm m, const float *base, pl_vi at)
{
    const unsigned b = pl_mbits(m);
    if (b == 15) {
        pl_vf v = vld1q_lane_f32(base + vgetq_lane_s32(at, 0), fill, 0);
        v = vld1q_lane_f32(base + vgetq_lane_s32(at, 1), v, 1);
        v = vld1q_lane_f32(base + vgetq_lane_s32(at, 2), v, 2);
        return vld1q_lane_f32(base + vgetq_lane_s32(at, 3), v, 3);
    }
    pl_vf v = fill;
    if (b & 1) v = vld1q_lane_f32(base + vgetq_lane_s32(at, 0), v, 0);
    if (b & 2) v = vld1q_lane_f32(base + vgetq_lane_s32(at, 1), v, 1);
    if (b & 4) v = vld1q_lane_f32(base + vgetq_lane_s32(at, 2), v, 2);
    if (b & 8) v = vld1q_lane_f32(base + vgetq_lane_s32(at, 3), v, 3);
    return v;
}

PL_INLINE pl_vi pl_iset1(int32_t x) { return vdupq_n_s32(x); }
PL_INLINE pl_vi pl_iadd(pl_vi a, pl_vi b) { return vaddq_s32(a, b); }
PL_INLINE pl_vi pl_isub(pl_vi a, pl_vi b) { return vsubq_s32(a, b); }
PL_INLINE pl_vi pl_imul(pl_vi a, pl_vi b) { return vmulq_s32(a, b); }
PL_INLINE pl_vi pl_imin(pl_vi a, pl_vi b) { return vminq_s32(a, b); }
PL_INLINE pl_vi pl_imax(pl_vi a, pl_vi b) { return vmaxq_s32(a, b); }
PL_INLINE pl_vi pl_iblend(pl_vm m, pl_vi a, pl_vi b) { return vbslq_s32(m, b, a); }
PL_INLINE pl_vm pl_ilt(pl_vi a, pl_vi b) { return vcltq_s32(a, b); }
PL_INLINE pl_vm pl_ige(pl_vi a, pl_vi b) { return vcgeq_s32(a, b); }
PL_INLINE pl_vm pl_ieq(pl_vi a, pl_vi b) { return vceqq_s32(a, b); }
PL_INLINE pl_vi pl_iloadu(const int32_t *p) { return vld1q_s32(p); }

/* 4 int64 indices narrowed to int32 lanes, and the lanes whose index lies in
 * [0, limit) (limit < 2^31; only those lanes' narrowed values mean anything). */
PL_INLINE pl_vi pl_load_idx(const int64_t *p, int64_t limit, pl_vm *inrange)
{
    const int64x2_t a = vld1q_s64(p), b = vld1q_s64(p + 2);
    /* one unsigned compare: negative indices are huge */
    const uint64x2_t lim = vdupq_n_u64((uint64_t)limit);
    *inrange = vcombine_u32(vmovn_u64(vcltq_u64(vreinterpretq_u64_s64(a), lim)),
                            vmovn_u64(vcltq_u64(vreinterpretq_u64_s64(b), lim)));
    return vcombine_s32(vmovn_s64(a), vmovn_s64(b));
}

/* The first n (1..4) int32 lanes of v widened to int64 and stored. */
PL_INLINE void pl_store_i64(int64_t *p, pl_vi v, int n)
{
    int64x2_t lo = vmovl_s32(vget_low_s32(v)), hi = vmovl_high_s32(v);
    if (n >= 2)
        vst1q_s64(p, lo);
    else
        vst1q_lane_s64(p, lo, 0);
    if (n >= 4)
        vst1q_s64(p + 2, hi);
    else if (n == 3)
        vst1q_lane_s64(p + 2, hi, 0);
}

/* Zeroes n floats. */
PL_INLINE void pl_zero_floats(float *p, int64_t n)
{
    int64_t i = 0;
    const float32x4_t z = vdupq_n_f32(0.0f);
    for (; i + 16 <= n; i += 16) {
        vst1q_f32(p + i, z);
        vst1q_f32(p + i + 4, z);
        vst1q_f32(p + i + 8, z);
        vst1q_f32(p + i + 12, z);
    }
    for (; i + 4 <= n; i += 4) vst1q_f32(p + i, z);
    for (; i < n; i++) p[i] = 0.0f;
}

/* ---- NCHW average forward (flat 3x3/1 planes) ---- */

/* a + b in the lanes of m, a + 0 elsewhere (b's other lanes never reach the
 * sum, not even an inf or a NaN). */
PL_INLINE pl_vf pl_add_m(pl_vf a, pl_vm m, pl_vf b)
{
    return vaddq_f32(a, vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(b))));
}

/* ---- max forward, values only (nchw-max) ---- */

/* [lo2, lo3, hi0, hi1]: the third tap of a stride-1 window of three. */
PL_INLINE pl_vf pl_next2(pl_vf lo, pl_vf hi) { return vextq_f32(lo, hi, 2); }

/* A max for lanes whose NaN and zero results are checked afterwards: FMAX
 * returns NaN when either operand is NaN, so one check of the result finds
 * a NaN anywhere in a tree of them, and no flag is needed beside it. */
#define PL_MAX_NAN_PROPAGATES 1
PL_INLINE pl_vf pl_max_loose(pl_vf a, pl_vf b) { return vmaxq_f32(a, b); }

/* Lanes of v that are +-0 or NaN: those whose magnitude is not above 0. */
PL_INLINE pl_vm pl_zero_or_nan(pl_vf v) { return vmvnq_u32(vcagtq_f32(v, vdupq_n_f32(0.0f))); }

/* ---- max backward (gather) ---- */
PL_INLINE void pl_istoreu(int32_t *p, pl_vi v) { vst1q_s32(p, v); }
/* Lane l = v[(l + odd) / 2] (odd is 0 or 1): each stride-2 output spread
 * over the two input lanes it starts at, the first one dropped if odd.
 * The "index" is just odd: two zips and an extract do it. */
PL_INLINE pl_vi pl_dup2_index(int odd) { return vdupq_n_s32(odd); }
PL_INLINE pl_vf pl_dup2(pl_vf v, pl_vi index)
{
    const float32x4_t lo = vzip1q_f32(v, v);
    return vgetq_lane_s32(index, 0) ? vextq_f32(lo, vzip2q_f32(v, v), 1) : lo;
}
PL_INLINE pl_vi pl_idup2(pl_vi v, pl_vi index)
{
    const int32x4_t lo = vzip1q_s32(v, v);
    return vgetq_lane_s32(index, 0) ? vextq_s32(lo, vzip2q_s32(v, v), 1) : lo;
}

/* ---- max backward (nchw-bwd) ---- */
/* a < b as unsigned: one compare checks 0 <= a < b for b >= 0. */
PL_INLINE pl_vm pl_iltu(pl_vi a, pl_vi b)
{
    return vcltq_u32(vreinterpretq_u32_s32(a), vreinterpretq_u32_s32(b));
}

/* PL_VL int64 indices: their low halves as int32 lanes, and `small`, the
 * lanes whose high half is 0 (0 <= x < 2^32). With the low half checked
 * against a window inside the plane, that is the whole range check. */
PL_INLINE pl_vi pl_load_idx_low(const int64_t *p, pl_vm *small)
{
    const int32x4_t a = vreinterpretq_s32_s64(vld1q_s64(p));
    const int32x4_t b = vreinterpretq_s32_s64(vld1q_s64(p + 2));
    *small = vceqq_s32(vuzp2q_s32(a, b), vdupq_n_s32(0));
    return vuzp1q_s32(a, b);
}

/* a * b + c, one rounding. */
PL_INLINE pl_vf pl_fma(pl_vf a, pl_vf b, pl_vf c) { return vfmaq_f32(c, a, b); }

#endif
