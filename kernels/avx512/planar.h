/*
 * The AVX-512 side of the channels-first (planar) kernels: the small vector
 * API that kernels/common/planar_common.h (and its max/avg templates) is written against, 16 lanes, opmask
 * tails. AVX-512 F/BW/DQ/VL only. Included by the avx512 NCHW kernel files alone.
 */
#ifndef SIMDPOOL_AVX512_PLANAR_H
#define SIMDPOOL_AVX512_PLANAR_H

#include <immintrin.h>
#include <stdint.h>

#define PL_VL 16
/* Every kernel builds twice here: with plain output stores, and with
 * SPV_STREAM_STORES set (the *_nt.c files), storing its outputs
 * non-temporally, which plans pick for problems larger than the cache: out
 * of cache a plain store first reads the line it writes. */
#ifndef SPV_STREAM_STORES
#define SPV_STREAM_STORES 0
#endif
#if SPV_STREAM_STORES
#define PL_NAME(stem) stem##_avx512_nt
#else
#define PL_NAME(stem) stem##_avx512
#endif
#define PL_INLINE static inline __attribute__((always_inline))

typedef __m512 pl_vf;
typedef __m512i pl_vi;   /* 16 int32 lanes */
typedef __mmask16 pl_vm; /* one bit per lane */

PL_INLINE pl_vm pl_first(int n) { return (pl_vm)((1u << n) - 1u); }
/* Lanes l with lo <= l < hi (any lo, hi). */
PL_INLINE pl_vm pl_range(int64_t lo, int64_t hi)
{
    lo = lo < 0 ? 0 : lo > 16 ? 16 : lo;
    hi = hi < 0 ? 0 : hi > 16 ? 16 : hi;
    return (pl_vm)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}
PL_INLINE pl_vm pl_mand(pl_vm a, pl_vm b) { return a & b; }
PL_INLINE pl_vm pl_mor(pl_vm a, pl_vm b) { return a | b; }
PL_INLINE pl_vm pl_mandnot(pl_vm a, pl_vm b) { return (pl_vm)(~a & b); } /* b and not a */
PL_INLINE pl_vm pl_mnone(void) { return 0; }
PL_INLINE unsigned pl_mbits(pl_vm m) { return m; }

PL_INLINE pl_vf pl_set1(float x) { return _mm512_set1_ps(x); }
PL_INLINE pl_vf pl_zero(void) { return _mm512_setzero_ps(); }
PL_INLINE pl_vf pl_loadu(const float *p) { return _mm512_loadu_ps(p); }
/* Masked-off lanes are neither read (no fault) nor kept: they come back 0. */
PL_INLINE pl_vf pl_loadu_m(const float *p, pl_vm m) { return _mm512_maskz_loadu_ps(m, p); }
/* Lanes outside m are not read (no fault) and come back as `fill`. */
PL_INLINE pl_vf pl_loadu_fill(const float *p, pl_vm m, pl_vf fill)
{
    return _mm512_mask_loadu_ps(fill, m, p);
}
PL_INLINE void pl_storeu(float *p, pl_vf v) { _mm512_storeu_ps(p, v); }
/* A store of the kernel's output: non-temporal in the streaming build
 * where the address allows it (see SPV_STREAM_STORES). */
PL_INLINE void pl_storeu_out(float *p, pl_vf v)
{
    if (SPV_STREAM_STORES && ((uintptr_t)p & 63) == 0)
        _mm512_stream_ps(p, v);
    else
        _mm512_storeu_ps(p, v);
}
PL_INLINE void pl_storeu_m(float *p, pl_vf v, pl_vm m) { _mm512_mask_storeu_ps(p, m, v); }
PL_INLINE pl_vf pl_max(pl_vf a, pl_vf b) { return _mm512_max_ps(a, b); }
PL_INLINE pl_vf pl_add(pl_vf a, pl_vf b) { return _mm512_add_ps(a, b); }
PL_INLINE pl_vf pl_mul(pl_vf a, pl_vf b) { return _mm512_mul_ps(a, b); }
PL_INLINE pl_vf pl_div(pl_vf a, pl_vf b) { return _mm512_div_ps(a, b); }
PL_INLINE pl_vf pl_blend(pl_vm m, pl_vf a, pl_vf b) { return _mm512_mask_blend_ps(m, a, b); }
PL_INLINE pl_vm pl_gt(pl_vf a, pl_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
PL_INLINE pl_vm pl_eq(pl_vf a, pl_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
PL_INLINE pl_vm pl_unord(pl_vf a, pl_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
PL_INLINE pl_vf pl_cvt_i(pl_vi v) { return _mm512_cvtepi32_ps(v); }
/* Horizontal sum (any order: averages accept reassociation). */
PL_INLINE float pl_hsum(pl_vf v)
{
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

/* Even and odd elements of the 32 floats a:b, in order: the stride-2 deinterleave. */
PL_INLINE pl_vf pl_even(pl_vf a, pl_vf b)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, even, b);
}
PL_INLINE pl_vf pl_odd(pl_vf a, pl_vf b)
{
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_permutex2var_ps(a, odd, b);
}

/* [v1 .. v15, x]: the next stride-2 tap from the even lanes, and the one
 * element past them. */
PL_INLINE pl_vf pl_shift_in(pl_vf v, float x)
{
    return _mm512_castsi512_ps(
        _mm512_alignr_epi32(_mm512_castps_si512(_mm512_set1_ps(x)), _mm512_castps_si512(v), 1));
}

/* Interleaves e and o: lo:hi = e0 o0 e1 o1 ... (inverse of pl_even/pl_odd). */
PL_INLINE void pl_zip(pl_vf e, pl_vf o, pl_vf *lo, pl_vf *hi)
{
    const __m512i l = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i h = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    *lo = _mm512_permutex2var_ps(e, l, o);
    *hi = _mm512_permutex2var_ps(e, h, o);
}

/* [x, v0 .. v14]: the stride-2 tap before the odd lanes. */
PL_INLINE pl_vf pl_shift_left_in(pl_vf v, float x)
{
    return _mm512_castsi512_ps(
        _mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_castps_si512(_mm512_set1_ps(x)), 15));
}

/* [lo1 .. lo15, hi0] and [lo15, hi0 .. hi14]: neighbours across two vectors. */
PL_INLINE pl_vf pl_next1(pl_vf lo, pl_vf hi)
{
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 1));
}
PL_INLINE pl_vf pl_prev1(pl_vf lo, pl_vf hi)
{
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 15));
}

/* The inverse of the deinterleave: v's lanes at the even positions of the
 * 32 floats lo:hi, zeros at the odd ones (stride-2 backward). */
PL_INLINE void pl_spread2(pl_vf v, pl_vf *lo, pl_vf *hi)
{
    const __m512i l = _mm512_setr_epi32(0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0);
    const __m512i h = _mm512_setr_epi32(8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0, 15, 0);
    *lo = _mm512_maskz_permutexvar_ps(0x5555, l, v);
    *hi = _mm512_maskz_permutexvar_ps(0x5555, h, v);
}

/* Lanes outside m are not read (no fault) and come back as `fill`. */
PL_INLINE pl_vf pl_gather_m(pl_vf fill, pl_vm m, const float *base, pl_vi at)
{
    return _mm512_mask_i32gather_ps(fill, m, at, base, 4);
}

PL_INLINE pl_vi pl_iset1(int32_t x) { return _mm512_set1_epi32(x); }
PL_INLINE pl_vi pl_ilanes(void)
{
    return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
PL_INLINE pl_vi pl_iadd(pl_vi a, pl_vi b) { return _mm512_add_epi32(a, b); }
PL_INLINE pl_vi pl_isub(pl_vi a, pl_vi b) { return _mm512_sub_epi32(a, b); }
PL_INLINE pl_vi pl_imul(pl_vi a, pl_vi b) { return _mm512_mullo_epi32(a, b); }
PL_INLINE pl_vi pl_imin(pl_vi a, pl_vi b) { return _mm512_min_epi32(a, b); }
PL_INLINE pl_vi pl_imax(pl_vi a, pl_vi b) { return _mm512_max_epi32(a, b); }
PL_INLINE pl_vi pl_iblend(pl_vm m, pl_vi a, pl_vi b) { return _mm512_mask_blend_epi32(m, a, b); }
PL_INLINE pl_vm pl_ilt(pl_vi a, pl_vi b) { return _mm512_cmplt_epi32_mask(a, b); }
PL_INLINE pl_vm pl_ige(pl_vi a, pl_vi b) { return _mm512_cmpge_epi32_mask(a, b); }
PL_INLINE pl_vm pl_ieq(pl_vi a, pl_vi b) { return _mm512_cmpeq_epi32_mask(a, b); }
PL_INLINE pl_vi pl_iloadu(const int32_t *p) { return _mm512_loadu_si512(p); }

/* 16 int64 indices narrowed to int32 lanes, and the lanes whose index lies in
 * [0, limit) (limit < 2^31; only those lanes' narrowed values mean anything). */
PL_INLINE pl_vi pl_load_idx(const int64_t *p, int64_t limit, pl_vm *inrange)
{
    __m512i a = _mm512_loadu_si512(p), b = _mm512_loadu_si512(p + 8);
    const __m512i lim = _mm512_set1_epi64(limit), zero = _mm512_setzero_si512();
    __mmask8 ma = _mm512_cmplt_epu64_mask(a, lim), mb = _mm512_cmplt_epu64_mask(b, lim);
    (void)zero;
    *inrange = (pl_vm)(ma | ((unsigned)mb << 8));
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(a)),
                              _mm512_cvtepi64_epi32(b), 1);
}

/* The first n (1..16) int32 lanes of v widened to int64 and stored. */
PL_INLINE void pl_store_i64(int64_t *p, pl_vi v, int n)
{
    __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v));
    __m512i hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1));
    if (n == 16 && SPV_STREAM_STORES && ((uintptr_t)p & 63) == 0) {
        _mm512_stream_si512((void *)p, lo);
        _mm512_stream_si512((void *)(p + 8), hi);
    } else if (n == 16) {
        _mm512_storeu_si512(p, lo);
        _mm512_storeu_si512(p + 8, hi);
    } else {
        unsigned m = (1u << n) - 1u;
        _mm512_mask_storeu_epi64(p, (__mmask8)m, lo);
        if (n > 8) _mm512_mask_storeu_epi64(p + 8, (__mmask8)(m >> 8), hi);
    }
}

/* Zeroes n floats. */
PL_INLINE void pl_zero_floats(float *p, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(p + i, _mm512_setzero_ps());
    if (i < n) _mm512_mask_storeu_ps(p + i, pl_first((int)(n - i)), _mm512_setzero_ps());
}

/* ---- NCHW average forward (flat 3x3/1 planes) ---- */

/* a + b in the lanes of m, a elsewhere (b's other lanes never reach the sum,
 * not even an inf or a NaN). */
PL_INLINE pl_vf pl_add_m(pl_vf a, pl_vm m, pl_vf b) { return _mm512_mask_add_ps(a, m, a, b); }

/* ---- max forward, values only (nchw-max) ---- */

/* [lo2 .. lo15, hi0, hi1]: the third tap of a stride-1 window of three. */
PL_INLINE pl_vf pl_next2(pl_vf lo, pl_vf hi)
{
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 2));
}

/* A max for lanes whose NaN and zero results are checked afterwards: maxps
 * drops a NaN first operand (vrangeps does not help: it drops quiet NaNs as
 * maxNum does), so callers flag NaN beside it. */
#define PL_MAX_NAN_PROPAGATES 0
PL_INLINE pl_vf pl_max_loose(pl_vf a, pl_vf b) { return _mm512_max_ps(a, b); }

/* Lanes of v that are +-0 or NaN: one compare, equal-or-unordered to 0. */
PL_INLINE pl_vm pl_zero_or_nan(pl_vf v) { return _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_EQ_UQ); }

/* ---- max backward (gather) ---- */
PL_INLINE void pl_istoreu(int32_t *p, pl_vi v) { _mm512_storeu_si512(p, v); }
/* Lane l = v[(l + odd) / 2] (odd is 0 or 1): each stride-2 output spread
 * over the two input lanes it starts at, the first one dropped if odd. */
PL_INLINE pl_vi pl_dup2_index(int odd)
{
    return _mm512_srli_epi32(_mm512_add_epi32(pl_ilanes(), _mm512_set1_epi32(odd)), 1);
}
PL_INLINE pl_vf pl_dup2(pl_vf v, pl_vi index) { return _mm512_permutexvar_ps(index, v); }
PL_INLINE pl_vi pl_idup2(pl_vi v, pl_vi index) { return _mm512_permutexvar_epi32(index, v); }

/* ---- max backward (nchw-bwd) ---- */
/* a < b as unsigned: one compare checks 0 <= a < b for b >= 0. */
PL_INLINE pl_vm pl_iltu(pl_vi a, pl_vi b) { return _mm512_cmplt_epu32_mask(a, b); }

/* PL_VL int64 indices: their low halves as int32 lanes, and `small`, the
 * lanes whose high half is 0 (0 <= x < 2^32). With the low half checked
 * against a window inside the plane, that is the whole range check, at
 * three instructions where pl_load_idx takes six. */
PL_INLINE pl_vi pl_load_idx_low(const int64_t *p, pl_vm *small)
{
    const __m512i a = _mm512_loadu_si512(p), b = _mm512_loadu_si512(p + 8);
    const __m512i lo = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i hi = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i high = _mm512_permutex2var_epi32(a, hi, b);
    *small = _mm512_testn_epi32_mask(high, high);
    return _mm512_permutex2var_epi32(a, lo, b);
}

/* a * b + c, one rounding. */
PL_INLINE pl_vf pl_fma(pl_vf a, pl_vf b, pl_vf c) { return _mm512_fmadd_ps(a, b, c); }

#endif
