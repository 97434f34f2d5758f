/*
 * The AVX2 (+FMA) side of simdpool's tiny vector API: 8 float lanes, compare
 * results as all-ones lanes, tails through vmaskmov. Same names and meaning
 * as kernels/avx512/vec.h (read its header comment for the conventions).
 */
#ifndef SIMDPOOL_AVX2_VEC_H
#define SIMDPOOL_AVX2_VEC_H

#include <immintrin.h>
#include <stdint.h>

#define SPV_W 8
/* Every kernel builds twice here: with plain output stores, and with
 * SPV_STREAM_STORES set (the *_nt.c files), storing its outputs
 * non-temporally, which plans pick for problems larger than the cache: out
 * of cache a plain store first reads the line it writes. */
#ifndef SPV_STREAM_STORES
#define SPV_STREAM_STORES 0
#endif
#if SPV_STREAM_STORES
#define SPV_ISA_SUFFIX avx2_nt
#else
#define SPV_ISA_SUFFIX avx2
#endif
#define SPV_INLINE static inline __attribute__((always_inline))
/* vmaskmovps stores are slow on AMD cores: when a row holds at least one
 * whole vector, the forward kernels redo its last SPV_W channels instead
 * (the overlapping lanes get the same values again). */
#define SPV_TAIL_OVERLAP 1
/* 8 ymm accumulators per block in the average kernels (256 bytes, like AVX-512's 4). */
#define SPV_AVG_NV 8

typedef __m256 spv_f;
typedef __m256i spv_i;
typedef __m256 spv_m;
typedef __m256i spv_t;
typedef __m256 spv_n;

SPV_INLINE spv_t spv_tail(int64_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

SPV_INLINE spv_f spv_load(const float *p) { return _mm256_loadu_ps(p); }
/* Masked-off lanes are not read (no fault) and come back 0. */
SPV_INLINE spv_f spv_load_t(const float *p, spv_t t) { return _mm256_maskload_ps(p, t); }
SPV_INLINE void spv_store(float *p, spv_f v) { _mm256_storeu_ps(p, v); }
SPV_INLINE void spv_store_t(float *p, spv_f v, spv_t t) { _mm256_maskstore_ps(p, t, v); }
/* A store of the kernel's output: non-temporal in the streaming build
 * where the address allows it (see SPV_STREAM_STORES). */
SPV_INLINE void spv_store_out(float *p, spv_f v)
{
    if (SPV_STREAM_STORES && ((uintptr_t)p & 31) == 0)
        _mm256_stream_ps(p, v);
    else
        _mm256_storeu_ps(p, v);
}

SPV_INLINE spv_f spv_set1(float x) { return _mm256_set1_ps(x); }
SPV_INLINE spv_f spv_zero(void) { return _mm256_setzero_ps(); }
SPV_INLINE spv_f spv_max(spv_f a, spv_f b) { return _mm256_max_ps(a, b); }
SPV_INLINE spv_f spv_add(spv_f a, spv_f b) { return _mm256_add_ps(a, b); }
SPV_INLINE spv_f spv_mul(spv_f a, spv_f b) { return _mm256_mul_ps(a, b); }
SPV_INLINE spv_f spv_div(spv_f a, spv_f b) { return _mm256_div_ps(a, b); }
/* a * b + c, rounded once. */
SPV_INLINE spv_f spv_fma(spv_f a, spv_f b, spv_f c) { return _mm256_fmadd_ps(a, b, c); }

/* One unordered compare tests two taps; OR-ing it in keeps it off the max chain. */
SPV_INLINE spv_n spv_nan_none(void) { return _mm256_setzero_ps(); }
SPV_INLINE spv_n spv_nan_acc(spv_n acc, spv_f a, spv_f b)
{
    return _mm256_or_ps(acc, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}
SPV_INLINE unsigned spv_nan_lanes(spv_n acc) { return (unsigned)_mm256_movemask_ps(acc); }
/* The same, as independent pairs combined by a tree. */
SPV_INLINE spv_n spv_nan_pair(spv_f a, spv_f b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
SPV_INLINE spv_n spv_nan_or(spv_n x, spv_n y) { return _mm256_or_ps(x, y); }

SPV_INLINE spv_m spv_gt(spv_f a, spv_f b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
SPV_INLINE spv_f spv_select(spv_m m, spv_f if_false, spv_f if_true)
{
    return _mm256_blendv_ps(if_false, if_true, m);
}
SPV_INLINE spv_i spv_iset1(int32_t x) { return _mm256_set1_epi32(x); }
SPV_INLINE spv_i spv_iadd1(spv_i a, int32_t x) { return _mm256_add_epi32(a, _mm256_set1_epi32(x)); }
SPV_INLINE spv_i spv_iselect(spv_m m, spv_i if_false, spv_i if_true)
{
    return _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(if_false), _mm256_castsi256_ps(if_true), m));
}
SPV_INLINE spv_m spv_ieq(spv_i a, spv_i b) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)); }

SPV_INLINE spv_m spv_mnone(void) { return _mm256_setzero_ps(); }
SPV_INLINE spv_m spv_mor(spv_m a, spv_m b) { return _mm256_or_ps(a, b); }
SPV_INLINE unsigned spv_mbits(spv_m m) { return (unsigned)_mm256_movemask_ps(m); }
SPV_INLINE unsigned spv_tbits(spv_t t) { return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(t)); }

/* a + b in the lanes of m, a elsewhere (untouched, so -0.0 and NaN survive). */
SPV_INLINE spv_f spv_add_m(spv_f a, spv_m m, spv_f b)
{
    return _mm256_blendv_ps(a, _mm256_add_ps(a, b), m);
}

/* p[l] = base + idx[l] as int64, for all lanes or the tail's. */
SPV_INLINE void spv_store_idx(int64_t *p, spv_i idx, int64_t base)
{
    __m256i b = _mm256_set1_epi64x(base);
    __m256i lo = _mm256_add_epi64(b, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(idx)));
    __m256i hi = _mm256_add_epi64(b, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(idx, 1)));
    if (SPV_STREAM_STORES && ((uintptr_t)p & 31) == 0) {
        _mm256_stream_si256((__m256i *)p, lo);
        _mm256_stream_si256((__m256i *)(p + 4), hi);
    } else {
        _mm256_storeu_si256((__m256i *)p, lo);
        _mm256_storeu_si256((__m256i *)(p + 4), hi);
    }
}
SPV_INLINE void spv_store_idx_t(int64_t *p, spv_i idx, int64_t base, spv_t t)
{
    __m256i b = _mm256_set1_epi64x(base);
    __m256i lo = _mm256_add_epi64(b, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(idx)));
    __m256i hi = _mm256_add_epi64(b, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(idx, 1)));
    __m256i t_lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(t));
    __m256i t_hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(t, 1));
    _mm256_maskstore_epi64((long long *)p, t_lo, lo);
    _mm256_maskstore_epi64((long long *)(p + 4), t_hi, hi);
}

/* 64-bit lanes of lo and hi (each all-ones or zero, or values < 2^31 when
 * narrowing indices) to the 8 32-bit lanes lo0..lo3 hi0..hi3. */
SPV_INLINE __m256i spv_narrow64(__m256i lo, __m256i hi)
{
    __m256 s = _mm256_shuffle_ps(_mm256_castsi256_ps(lo), _mm256_castsi256_ps(hi),
                                 _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_permute4x64_epi64(_mm256_castps_si256(s), _MM_SHUFFLE(3, 1, 2, 0));
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
    __m256i t_lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(t));
    __m256i t_hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(t, 1));
    __m256i lo = _mm256_maskload_epi64((const long long *)p, t_lo);
    __m256i hi = _mm256_maskload_epi64((const long long *)(p + 4), t_hi);
    __m256i m1 = _mm256_set1_epi64x(-1);
    __m256i e = spv_narrow64(_mm256_cmpeq_epi64(lo, m1), _mm256_cmpeq_epi64(hi, m1));
    __m256i b = _mm256_set1_epi64x(base), l = _mm256_set1_epi64x(limit);
    lo = _mm256_sub_epi64(lo, b);
    hi = _mm256_sub_epi64(hi, b);
    __m256i in_lo = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), lo),
                                        _mm256_cmpgt_epi64(l, lo));
    __m256i in_hi = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), hi),
                                        _mm256_cmpgt_epi64(l, hi));
    *rel = spv_narrow64(lo, hi);
    *minus1 = _mm256_castsi256_ps(_mm256_and_si256(e, t));
    return _mm256_castsi256_ps(_mm256_and_si256(spv_narrow64(in_lo, in_hi), t));
}
SPV_INLINE spv_m spv_load_idx_rel(const int64_t *p, int64_t base, int64_t limit, spv_i *rel,
                                  spv_m *minus1)
{
    __m256i lo = _mm256_loadu_si256((const __m256i *)p);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(p + 4));
    __m256i m1 = _mm256_set1_epi64x(-1);
    __m256i e = spv_narrow64(_mm256_cmpeq_epi64(lo, m1), _mm256_cmpeq_epi64(hi, m1));
    __m256i b = _mm256_set1_epi64x(base), l = _mm256_set1_epi64x(limit);
    lo = _mm256_sub_epi64(lo, b);
    hi = _mm256_sub_epi64(hi, b);
    __m256i in_lo = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), lo),
                                        _mm256_cmpgt_epi64(l, lo));
    __m256i in_hi = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), hi),
                                        _mm256_cmpgt_epi64(l, hi));
    *rel = spv_narrow64(lo, hi);
    *minus1 = _mm256_castsi256_ps(e);
    return _mm256_castsi256_ps(spv_narrow64(in_lo, in_hi));
}

/* The lanes where saved int64 index p[l] equals x (all lanes, or the tail's). */
SPV_INLINE spv_m spv_idx_eq(const int64_t *p, int64_t x)
{
    __m256i v = _mm256_set1_epi64x(x);
    __m256i lo = _mm256_cmpeq_epi64(_mm256_loadu_si256((const __m256i *)p), v);
    __m256i hi = _mm256_cmpeq_epi64(_mm256_loadu_si256((const __m256i *)(p + 4)), v);
    return _mm256_castsi256_ps(spv_narrow64(lo, hi));
}
SPV_INLINE spv_m spv_idx_eq_t(const int64_t *p, int64_t x, spv_t t)
{
    __m256i t_lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(t));
    __m256i t_hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(t, 1));
    __m256i v = _mm256_set1_epi64x(x);
    __m256i lo = _mm256_cmpeq_epi64(_mm256_maskload_epi64((const long long *)p, t_lo), v);
    __m256i hi = _mm256_cmpeq_epi64(_mm256_maskload_epi64((const long long *)(p + 4), t_hi), v);
    return _mm256_castsi256_ps(_mm256_and_si256(spv_narrow64(lo, hi), t));
}
/* cnt + 1 in the lanes of m (whose lanes are all-ones, i.e. -1). */
SPV_INLINE spv_i spv_icount(spv_i cnt, spv_m m) { return _mm256_sub_epi32(cnt, _mm256_castps_si256(m)); }

SPV_INLINE spv_i spv_iload(const int32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
SPV_INLINE void spv_istore(int32_t *p, spv_i v) { _mm256_storeu_si256((__m256i *)p, v); }

/* ---- max backward (gather) ---- */
/* 1 when matching saved int64 indices costs about as much as int32 lanes
 * (int64 compares and a narrowing shuffle per 8 lanes): the max backward then gathers from the int64 indices directly
 * instead of narrowing them into a ring first. */
#define SPV_IDX64_CMP_CHEAP 0
/* The lanes where 0 <= a < n (n >= 1): as unsigned, a < n iff min(a, n - 1) == a. */
SPV_INLINE spv_m spv_ibelow(spv_i a, int32_t n)
{
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_min_epu32(a, _mm256_set1_epi32(n - 1)), a));
}

#endif
