/*
 * The AVX-512 (F/BW/DQ/VL) side of simdpool's tiny vector API: 16 float
 * lanes, opmask compare results and tails. The shared templates in
 * kernels/common/ are written against these names only, so an ISA joins them
 * by providing the same names (see kernels/avx2/vec.h).
 *
 * Conventions every vec.h follows:
 *   spv_f  float lanes          spv_i  int32 lanes (window-relative tap offsets)
 *   spv_m  per-lane compare     spv_t  a tail: the first n lanes, 0 < n <= SPV_W
 *   spv_n  "NaN seen" accumulator for the max kernels
 * spv_max(a, b) is a > b ? a : b per lane (x86 maxps): ties and NaN in either
 * operand give b. The max templates rely on exactly that, and only that.
 */
#ifndef SIMDPOOL_AVX512_VEC_H
#define SIMDPOOL_AVX512_VEC_H

#include <immintrin.h>
#include <stdint.h>

#define SPV_W 16
/* Every kernel builds twice here: with plain output stores, and with
 * SPV_STREAM_STORES set (the *_nt.c files), storing its outputs
 * non-temporally, which plans pick for problems larger than the cache: out
 * of cache a plain store first reads the line it writes. */
#ifndef SPV_STREAM_STORES
#define SPV_STREAM_STORES 0
#endif
#if SPV_STREAM_STORES
#define SPV_ISA_SUFFIX avx512_nt
#else
#define SPV_ISA_SUFFIX avx512
#endif
#define SPV_INLINE static inline __attribute__((always_inline))

typedef __m512 spv_f;
typedef __m512i spv_i;
typedef __mmask16 spv_m;
typedef __mmask16 spv_t;
typedef __mmask16 spv_n;

SPV_INLINE spv_t spv_tail(int64_t n) { return (spv_t)((1u << n) - 1u); }
/* Opmask tails are as cheap as full vectors: no overlapping last vector. */
#define SPV_TAIL_OVERLAP 0
#define SPV_HEAD_MASKED 0
/* 8 zmm accumulators per block in the average kernels. */
#define SPV_AVG_NV 8

SPV_INLINE spv_f spv_load(const float *p) { return _mm512_loadu_ps(p); }
/* Masked-off lanes are not read (no fault) and come back 0. */
SPV_INLINE spv_f spv_load_t(const float *p, spv_t t) { return _mm512_maskz_loadu_ps(t, p); }
SPV_INLINE void spv_store(float *p, spv_f v) { _mm512_storeu_ps(p, v); }
SPV_INLINE void spv_store_t(float *p, spv_f v, spv_t t) { _mm512_mask_storeu_ps(p, t, v); }
/* A store of the kernel's output: non-temporal in the streaming build
 * where the address allows it (see SPV_STREAM_STORES). */
SPV_INLINE void spv_store_out(float *p, spv_f v)
{
    if (SPV_STREAM_STORES && ((uintptr_t)p & 63) == 0)
        _mm512_stream_ps(p, v);
    else
        _mm512_storeu_ps(p, v);
}

SPV_INLINE spv_f spv_set1(float x) { return _mm512_set1_ps(x); }
SPV_INLINE spv_f spv_zero(void) { return _mm512_setzero_ps(); }
SPV_INLINE spv_f spv_max(spv_f a, spv_f b) { return _mm512_max_ps(a, b); }
SPV_INLINE spv_f spv_add(spv_f a, spv_f b) { return _mm512_add_ps(a, b); }
SPV_INLINE spv_f spv_mul(spv_f a, spv_f b) { return _mm512_mul_ps(a, b); }
SPV_INLINE spv_f spv_div(spv_f a, spv_f b) { return _mm512_div_ps(a, b); }
/* a * b + c, rounded once. */
SPV_INLINE spv_f spv_fma(spv_f a, spv_f b, spv_f c) { return _mm512_fmadd_ps(a, b, c); }

/* NaN detection off the critical path: the accumulator holds "every pair
 * compared so far was ordered", and one masked compare both tests a pair of
 * taps and ANDs into it, so it costs one instruction per two taps. */
SPV_INLINE spv_n spv_nan_none(void) { return (spv_n)0xffffu; }
SPV_INLINE spv_n spv_nan_acc(spv_n acc, spv_f a, spv_f b)
{
    return _mm512_mask_cmp_ps_mask(acc, a, b, _CMP_ORD_Q);
}
SPV_INLINE unsigned spv_nan_lanes(spv_n acc) { return (unsigned)(~acc & 0xffffu); }
/* The same, as independent pairs combined by a tree (no compare chain). */
SPV_INLINE spv_n spv_nan_pair(spv_f a, spv_f b) { return _mm512_cmp_ps_mask(a, b, _CMP_ORD_Q); }
SPV_INLINE spv_n spv_nan_or(spv_n x, spv_n y) { return x & y; }

SPV_INLINE spv_m spv_gt(spv_f a, spv_f b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
SPV_INLINE spv_f spv_select(spv_m m, spv_f if_false, spv_f if_true)
{
    return _mm512_mask_blend_ps(m, if_false, if_true);
}
SPV_INLINE spv_i spv_iset1(int32_t x) { return _mm512_set1_epi32(x); }
SPV_INLINE spv_i spv_iadd1(spv_i a, int32_t x) { return _mm512_add_epi32(a, _mm512_set1_epi32(x)); }
SPV_INLINE spv_i spv_iselect(spv_m m, spv_i if_false, spv_i if_true)
{
    return _mm512_mask_blend_epi32(m, if_false, if_true);
}
SPV_INLINE spv_m spv_ieq(spv_i a, spv_i b) { return _mm512_cmpeq_epi32_mask(a, b); }

SPV_INLINE spv_m spv_mnone(void) { return 0; }
SPV_INLINE spv_m spv_mor(spv_m a, spv_m b) { return a | b; }
SPV_INLINE unsigned spv_mbits(spv_m m) { return m; }
SPV_INLINE unsigned spv_tbits(spv_t t) { return t; }

/* a + b in the lanes of m, a elsewhere (untouched, so -0.0 and NaN survive). */
SPV_INLINE spv_f spv_add_m(spv_f a, spv_m m, spv_f b) { return _mm512_mask_add_ps(a, m, a, b); }

/* p[l] = base + idx[l] as int64, for all lanes or the tail's. */
SPV_INLINE void spv_store_idx(int64_t *p, spv_i idx, int64_t base)
{
    __m512i b = _mm512_set1_epi64(base);
    __m512i lo = _mm512_add_epi64(b, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(idx)));
    __m512i hi = _mm512_add_epi64(b, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(idx, 1)));
    if (SPV_STREAM_STORES && ((uintptr_t)p & 63) == 0) {
        _mm512_stream_si512((void *)p, lo);
        _mm512_stream_si512((void *)(p + 8), hi);
    } else {
        _mm512_storeu_si512(p, lo);
        _mm512_storeu_si512(p + 8, hi);
    }
}
SPV_INLINE void spv_store_idx_t(int64_t *p, spv_i idx, int64_t base, spv_t t)
{
    __m512i b = _mm512_set1_epi64(base);
    __m512i lo = _mm512_add_epi64(b, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(idx)));
    __m512i hi = _mm512_add_epi64(b, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(idx, 1)));
    _mm512_mask_storeu_epi64(p, (__mmask8)t, lo);
    _mm512_mask_storeu_epi64(p + 8, (__mmask8)(t >> 8), hi);
}

/*
 * Loads saved int64 indices and rebases them on `base`: *rel = p[l] - base
 * as int32 for the lanes where 0 <= p[l] - base < limit (limit <= 2^31), and
 * returns those lanes; other lanes are out of the window for sure.
 * *minus1 gets the lanes whose index is -1.
 */
SPV_INLINE spv_m spv_load_idx_rel_t(const int64_t *p, int64_t base, int64_t limit, spv_t t,
                                    spv_i *rel, spv_m *minus1)
{
    __m512i lo = _mm512_maskz_loadu_epi64((__mmask8)t, p);
    __m512i hi = _mm512_maskz_loadu_epi64((__mmask8)(t >> 8), p + 8);
    __m512i b = _mm512_set1_epi64(base), l = _mm512_set1_epi64(limit);
    __m512i m1 = _mm512_set1_epi64(-1);
    __mmask8 e_lo = _mm512_cmpeq_epi64_mask(lo, m1), e_hi = _mm512_cmpeq_epi64_mask(hi, m1);
    lo = _mm512_sub_epi64(lo, b);
    hi = _mm512_sub_epi64(hi, b);
    /* Unsigned compare: negative differences are huge, so out of range. */
    __mmask8 in_lo = _mm512_cmplt_epu64_mask(lo, l), in_hi = _mm512_cmplt_epu64_mask(hi, l);
    *rel = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                              _mm512_cvtepi64_epi32(hi), 1);
    *minus1 = (spv_m)(_mm512_kunpackb(e_hi, e_lo) & t);
    return (spv_m)(_mm512_kunpackb(in_hi, in_lo) & t);
}
SPV_INLINE spv_m spv_load_idx_rel(const int64_t *p, int64_t base, int64_t limit, spv_i *rel,
                                  spv_m *minus1)
{
    return spv_load_idx_rel_t(p, base, limit, (spv_t)0xffffu, rel, minus1);
}

/* The lanes where saved int64 index p[l] equals x (all lanes, or the tail's). */
SPV_INLINE spv_m spv_idx_eq(const int64_t *p, int64_t x)
{
    __m512i v = _mm512_set1_epi64(x);
    __mmask8 lo = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p), v);
    __mmask8 hi = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 8), v);
    return (spv_m)_mm512_kunpackb(hi, lo);
}
SPV_INLINE spv_m spv_idx_eq_t(const int64_t *p, int64_t x, spv_t t)
{
    __m512i v = _mm512_set1_epi64(x);
    __mmask8 lo = _mm512_mask_cmpeq_epi64_mask((__mmask8)t, _mm512_maskz_loadu_epi64((__mmask8)t, p), v);
    __mmask8 hi = _mm512_mask_cmpeq_epi64_mask((__mmask8)(t >> 8),
                                               _mm512_maskz_loadu_epi64((__mmask8)(t >> 8), p + 8), v);
    return (spv_m)_mm512_kunpackb(hi, lo);
}
/* cnt + 1 in the lanes of m. */
SPV_INLINE spv_i spv_icount(spv_i cnt, spv_m m)
{
    return _mm512_mask_add_epi32(cnt, m, cnt, _mm512_set1_epi32(1));
}

SPV_INLINE spv_i spv_iload(const int32_t *p) { return _mm512_loadu_si512(p); }
SPV_INLINE void spv_istore(int32_t *p, spv_i v) { _mm512_storeu_si512(p, v); }

/* ---- max backward (gather) ---- */
/* 1 when matching saved int64 indices costs about as much as int32 lanes
 * (two int64 compares into opmasks and one kunpack per 16 lanes): the max backward then gathers from the int64 indices directly
 * instead of narrowing them into a ring first. */
#define SPV_IDX64_CMP_CHEAP 1
/* The lanes where 0 <= a < n (n >= 1): one unsigned compare. */
SPV_INLINE spv_m spv_ibelow(spv_i a, int32_t n)
{
    return _mm512_cmplt_epu32_mask(a, _mm512_set1_epi32(n));
}

#endif
