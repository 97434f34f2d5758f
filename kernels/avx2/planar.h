/*
 * The AVX2 side of the channels-first (planar) kernels: the small vector API
 * that planar_tmpl.h is written against, 8 lanes. Masks are vectors of
 * all-ones/all-zero lanes; tails use vmaskmov loads and stores, which neither
 * read nor fault on masked-off lanes. Included by the avx2 NCHW kernel files alone.
 */
#ifndef SIMDPOOL_AVX2_PLANAR_H
#define SIMDPOOL_AVX2_PLANAR_H

#include <immintrin.h>
#include <stdint.h>

#define PL_VL 8
/* Every kernel builds twice here: with plain output stores, and with
 * SPV_STREAM_STORES set (the *_nt.c files), storing its outputs
 * non-temporally, which plans pick for problems larger than the cache: out
 * of cache a plain store first reads the line it writes. */
#ifndef SPV_STREAM_STORES
#define SPV_STREAM_STORES 0
#endif
#if SPV_STREAM_STORES
#define PL_NAME(stem) stem##_avx2_nt
#else
#define PL_NAME(stem) stem##_avx2
#endif
#define PL_INLINE static inline __attribute__((always_inline))

typedef __m256 pl_vf;
typedef __m256i pl_vi; /* 8 int32 lanes */
typedef __m256 pl_vm;  /* all-ones lanes are set */

PL_INLINE pl_vi pl_ilanes(void) { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
PL_INLINE pl_vm pl_first(int n)
{
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), pl_ilanes()));
}
/* Lanes l with lo <= l < hi (any lo, hi). */
PL_INLINE pl_vm pl_range(int64_t lo, int64_t hi)
{
    lo = lo < 0 ? 0 : lo > 8 ? 8 : lo;
    hi = hi < 0 ? 0 : hi > 8 ? 8 : hi;
    __m256i l = pl_ilanes();
    return _mm256_castsi256_ps(_mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)lo), l),
                                                   _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), l)));
}
PL_INLINE pl_vm pl_mand(pl_vm a, pl_vm b) { return _mm256_and_ps(a, b); }
PL_INLINE pl_vm pl_mor(pl_vm a, pl_vm b) { return _mm256_or_ps(a, b); }
PL_INLINE pl_vm pl_mandnot(pl_vm a, pl_vm b) { return _mm256_andnot_ps(a, b); } /* b and not a */
PL_INLINE pl_vm pl_mnone(void) { return _mm256_setzero_ps(); }
PL_INLINE unsigned pl_mbits(pl_vm m) { return (unsigned)_mm256_movemask_ps(m); }

PL_INLINE pl_vf pl_set1(float x) { return _mm256_set1_ps(x); }
PL_INLINE pl_vf pl_zero(void) { return _mm256_setzero_ps(); }
PL_INLINE pl_vf pl_loadu(const float *p) { return _mm256_loadu_ps(p); }
PL_INLINE pl_vf pl_loadu_m(const float *p, pl_vm m)
{
    return _mm256_maskload_ps(p, _mm256_castps_si256(m));
}
/* Lanes outside m are not read (no fault) and come back as `fill`. */
PL_INLINE pl_vf pl_loadu_fill(const float *p, pl_vm m, pl_vf fill)
{
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, _mm256_castps_si256(m)), m);
}
PL_INLINE void pl_storeu(float *p, pl_vf v) { _mm256_storeu_ps(p, v); }
/* A store of the kernel's output: non-temporal in the streaming build
 * where the address allows it (see SPV_STREAM_STORES). */
PL_INLINE void pl_storeu_out(float *p, pl_vf v)
{
    if (SPV_STREAM_STORES && ((uintptr_t)p & 31) == 0)
        _mm256_stream_ps(p, v);
    else
        _mm256_storeu_ps(p, v);
}
PL_INLINE void pl_storeu_m(float *p, pl_vf v, pl_vm m)
{
    _mm256_maskstore_ps(p, _mm256_castps_si256(m), v);
}
PL_INLINE pl_vf pl_max(pl_vf a, pl_vf b) { return _mm256_max_ps(a, b); }
PL_INLINE pl_vf pl_add(pl_vf a, pl_vf b) { return _mm256_add_ps(a, b); }
PL_INLINE pl_vf pl_mul(pl_vf a, pl_vf b) { return _mm256_mul_ps(a, b); }
PL_INLINE pl_vf pl_div(pl_vf a, pl_vf b) { return _mm256_div_ps(a, b); }
PL_INLINE pl_vf pl_blend(pl_vm m, pl_vf a, pl_vf b) { return _mm256_blendv_ps(a, b, m); }
PL_INLINE pl_vm pl_gt(pl_vf a, pl_vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
PL_INLINE pl_vm pl_eq(pl_vf a, pl_vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
PL_INLINE pl_vm pl_unord(pl_vf a, pl_vf b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
PL_INLINE pl_vf pl_cvt_i(pl_vi v) { return _mm256_cvtepi32_ps(v); }
PL_INLINE float pl_hsum(pl_vf v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Even and odd elements of the 16 floats a:b, in order: shufps picks them
 * within each 128-bit half, vpermpd puts the halves back in order. */
PL_INLINE pl_vf pl_even(pl_vf a, pl_vf b)
{
    __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}
PL_INLINE pl_vf pl_odd(pl_vf a, pl_vf b)
{
    __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* [v1 .. v7, x]: the next stride-2 tap from the even lanes, and the one
 * element past them (palignr works per 128-bit half, so the halves are
 * first lined up as [v4..v7, x..]). */
PL_INLINE pl_vf pl_shift_in(pl_vf v, float x)
{
    __m256 t = _mm256_permute2f128_ps(v, _mm256_set1_ps(x), 0x21);
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(t), _mm256_castps_si256(v), 4));
}

/* Interleaves e and o: lo:hi = e0 o0 e1 o1 ... (inverse of pl_even/pl_odd). */
PL_INLINE void pl_zip(pl_vf e, pl_vf o, pl_vf *lo, pl_vf *hi)
{
    __m256 a = _mm256_unpacklo_ps(e, o); /* e0 o0 e1 o1 | e4 o4 e5 o5 */
    __m256 b = _mm256_unpackhi_ps(e, o); /* e2 o2 e3 o3 | e6 o6 e7 o7 */
    *lo = _mm256_permute2f128_ps(a, b, 0x20);
    *hi = _mm256_permute2f128_ps(a, b, 0x31);
}

/* [x, v0 .. v6]: the stride-2 tap before the odd lanes. */
PL_INLINE pl_vf pl_shift_left_in(pl_vf v, float x)
{
    __m256 t = _mm256_permute2f128_ps(_mm256_set1_ps(x), v, 0x21); /* x x x x v0 v1 v2 v3 */
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(v), _mm256_castps_si256(t), 12));
}

/* [lo1 .. lo7, hi0] and [lo7, hi0 .. hi6]: neighbours across two vectors. */
PL_INLINE pl_vf pl_next1(pl_vf lo, pl_vf hi)
{
    __m256 t = _mm256_permute2f128_ps(lo, hi, 0x21);
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(t), _mm256_castps_si256(lo), 4));
}
PL_INLINE pl_vf pl_prev1(pl_vf lo, pl_vf hi)
{
    __m256 t = _mm256_permute2f128_ps(lo, hi, 0x21);
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(hi), _mm256_castps_si256(t), 12));
}

/* The inverse of the deinterleave: v's lanes at the even positions of the
 * 16 floats lo:hi, zeros at the odd ones (stride-2 backward). */
PL_INLINE void pl_spread2(pl_vf v, pl_vf *lo, pl_vf *hi)
{
    __m256 a = _mm256_unpacklo_ps(v, _mm256_setzero_ps()); /* v0 0 v1 0 | v4 0 v5 0 */
    __m256 b = _mm256_unpackhi_ps(v, _mm256_setzero_ps()); /* v2 0 v3 0 | v6 0 v7 0 */
    *lo = _mm256_permute2f128_ps(a, b, 0x20);
    *hi = _mm256_permute2f128_ps(a, b, 0x31);
}

/* Lanes outside m are not read (no fault) and come back as `fill`. */
PL_INLINE pl_vf pl_gather_m(pl_vf fill, pl_vm m, const float *base, pl_vi at)
{
    return _mm256_mask_i32gather_ps(fill, base, at, m, 4);
}

PL_INLINE pl_vi pl_iset1(int32_t x) { return _mm256_set1_epi32(x); }
PL_INLINE pl_vi pl_iadd(pl_vi a, pl_vi b) { return _mm256_add_epi32(a, b); }
PL_INLINE pl_vi pl_isub(pl_vi a, pl_vi b) { return _mm256_sub_epi32(a, b); }
PL_INLINE pl_vi pl_imul(pl_vi a, pl_vi b) { return _mm256_mullo_epi32(a, b); }
PL_INLINE pl_vi pl_imin(pl_vi a, pl_vi b) { return _mm256_min_epi32(a, b); }
PL_INLINE pl_vi pl_imax(pl_vi a, pl_vi b) { return _mm256_max_epi32(a, b); }
PL_INLINE pl_vi pl_iblend(pl_vm m, pl_vi a, pl_vi b)
{
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), m));
}
PL_INLINE pl_vm pl_ilt(pl_vi a, pl_vi b) { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(b, a)); }
PL_INLINE pl_vm pl_ige(pl_vi a, pl_vi b)
{
    return _mm256_castsi256_ps(
        _mm256_xor_si256(_mm256_cmpgt_epi32(b, a), _mm256_set1_epi32(-1)));
}
PL_INLINE pl_vm pl_ieq(pl_vi a, pl_vi b) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)); }
PL_INLINE pl_vi pl_iloadu(const int32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* 8 int64 indices narrowed to int32 lanes, and the lanes whose index lies in
 * [0, limit) (limit < 2^31; only those lanes' narrowed values mean anything). */
PL_INLINE pl_vi pl_load_idx(const int64_t *p, int64_t limit, pl_vm *inrange)
{
    __m256i a = _mm256_loadu_si256((const __m256i *)p), b = _mm256_loadu_si256((const __m256i *)(p + 4));
    const __m256i lim = _mm256_set1_epi64x(limit), m1 = _mm256_set1_epi64x(-1);
    /* 0 <= x < limit: x > -1 and limit > x, signed */
    __m256i ra = _mm256_and_si256(_mm256_cmpgt_epi64(a, m1), _mm256_cmpgt_epi64(lim, a));
    __m256i rb = _mm256_and_si256(_mm256_cmpgt_epi64(b, m1), _mm256_cmpgt_epi64(lim, b));
    const __m256i lo32 = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    __m256i pa = _mm256_permutevar8x32_epi32(a, lo32), pb = _mm256_permutevar8x32_epi32(b, lo32);
    __m256i qa = _mm256_permutevar8x32_epi32(ra, lo32), qb = _mm256_permutevar8x32_epi32(rb, lo32);
    *inrange = _mm256_castsi256_ps(_mm256_permute2x128_si256(qa, qb, 0x20));
    return _mm256_permute2x128_si256(pa, pb, 0x20);
}

/* The first n (1..8) int32 lanes of v widened to int64 and stored. */
PL_INLINE void pl_store_i64(int64_t *p, pl_vi v, int n)
{
    __m256i lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v));
    __m256i hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1));
    if (n == 8 && SPV_STREAM_STORES && ((uintptr_t)p & 31) == 0) {
        _mm256_stream_si256((__m256i *)p, lo);
        _mm256_stream_si256((__m256i *)(p + 4), hi);
    } else if (n == 8) {
        _mm256_storeu_si256((__m256i *)p, lo);
        _mm256_storeu_si256((__m256i *)(p + 4), hi);
    } else {
        __m256i m = _mm256_castps_si256(pl_first(n));
        _mm256_maskstore_epi64((long long *)p, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(m)), lo);
        if (n > 4)
            _mm256_maskstore_epi64((long long *)(p + 4),
                                   _mm256_cvtepi32_epi64(_mm256_extracti128_si256(m, 1)), hi);
    }
}

PL_INLINE void pl_zero_floats(float *p, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(p + i, _mm256_setzero_ps());
    if (i < n) pl_storeu_m(p + i, _mm256_setzero_ps(), pl_first((int)(n - i)));
}

/* ---- NCHW average forward (flat 3x3/1 planes) ---- */

/* a + b in the lanes of m, a + 0 elsewhere (b's other lanes never reach the
 * sum, not even an inf or a NaN). */
PL_INLINE pl_vf pl_add_m(pl_vf a, pl_vm m, pl_vf b) { return _mm256_add_ps(a, _mm256_and_ps(m, b)); }

/* ---- max forward, values only (nchw-max) ---- */

/* [lo2 .. lo7, hi0, hi1]: the third tap of a stride-1 window of three. */
PL_INLINE pl_vf pl_next2(pl_vf lo, pl_vf hi)
{
    __m256 t = _mm256_permute2f128_ps(lo, hi, 0x21);
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(t), _mm256_castps_si256(lo), 8));
}

/* A max for lanes whose NaN and zero results are checked afterwards: maxps
 * drops a NaN first operand, so callers flag NaN beside it. */
#define PL_MAX_NAN_PROPAGATES 0
PL_INLINE pl_vf pl_max_loose(pl_vf a, pl_vf b) { return _mm256_max_ps(a, b); }

/* Lanes of v that are +-0 or NaN: one compare, equal-or-unordered to 0. */
PL_INLINE pl_vm pl_zero_or_nan(pl_vf v) { return _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_UQ); }

/* ---- max backward (gather) ---- */
PL_INLINE void pl_istoreu(int32_t *p, pl_vi v) { _mm256_storeu_si256((__m256i *)p, v); }
/* Lane l = v[(l + odd) / 2] (odd is 0 or 1): each stride-2 output spread
 * over the two input lanes it starts at, the first one dropped if odd. */
PL_INLINE pl_vi pl_dup2_index(int odd)
{
    return _mm256_srli_epi32(_mm256_add_epi32(pl_ilanes(), _mm256_set1_epi32(odd)), 1);
}
PL_INLINE pl_vf pl_dup2(pl_vf v, pl_vi index) { return _mm256_permutevar8x32_ps(v, index); }
PL_INLINE pl_vi pl_idup2(pl_vi v, pl_vi index) { return _mm256_permutevar8x32_epi32(v, index); }

/* ---- max backward (nchw-bwd) ---- */
/* a < b as unsigned: one compare checks 0 <= a < b for b >= 0. AVX2 has
 * signed compares only: flipping both sign bits maps the order across. */
PL_INLINE pl_vm pl_iltu(pl_vi a, pl_vi b)
{
    const __m256i sign = _mm256_set1_epi32(INT32_MIN);
    return _mm256_castsi256_ps(
        _mm256_cmpgt_epi32(_mm256_xor_si256(b, sign), _mm256_xor_si256(a, sign)));
}

/* PL_VL int64 indices: their low halves as int32 lanes, and `small`, the
 * lanes whose high half is 0 (0 <= x < 2^32). With the low half checked
 * against a window inside the plane, that is the whole range check, in
 * five instructions where pl_load_idx takes fourteen. */
PL_INLINE pl_vi pl_load_idx_low(const int64_t *p, pl_vm *small)
{
    const __m256i a = _mm256_loadu_si256((const __m256i *)p);
    const __m256i b = _mm256_loadu_si256((const __m256i *)(p + 4));
    const __m256i halves = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const __m256i pa = _mm256_permutevar8x32_epi32(a, halves);
    const __m256i pb = _mm256_permutevar8x32_epi32(b, halves);
    *small = _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_permute2x128_si256(pa, pb, 0x31), _mm256_setzero_si256()));
    return _mm256_permute2x128_si256(pa, pb, 0x20);
}

/* a * b + c, one rounding. */
PL_INLINE pl_vf pl_fma(pl_vf a, pl_vf b, pl_vf c) { return _mm256_fmadd_ps(a, b, c); }

#endif
