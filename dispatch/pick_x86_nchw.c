/*
 * Which NCHW kernels of AVX2 and AVX-512 take which problems.
 *
 * Every channels-first problem has a vectorized kernel (kernels/<isa>/
 * maxpool_nchw.c, avgpool_nchw.c). Inside them, each output row picks its
 * W path (stride-1 loads, stride-2 deinterleave, gathers; exact masked path
 * at the borders), so the entries here are by operation; the names say which
 * inner path the problem's interior runs. The one limit: lane positions are
 * int32, so planes (and W-axis arithmetic) must stay below 2^30.
 */
#include "pick_x86.h"

#define NCHW_KERNELS(isa)                                                                      \
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

#ifdef SIMDPOOL_HAVE_AVX2
NCHW_KERNELS(avx2)
#endif
#ifdef SIMDPOOL_HAVE_AVX512
NCHW_KERNELS(avx512)
#endif

#define LIMIT ((int64_t)1 << 30)

/* int32 lane arithmetic stays exact: plane offsets, and every W position a
 * lane can compute, (out + lanes) * stride + extent, below 2^30. */
static int fits_int32_lanes(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (p->in_plane >= LIMIT || p->out_plane >= LIMIT) return 0;
    if (aw->stride >= LIMIT / 64 || aw->extent >= LIMIT / 4 || aw->pad_begin >= LIMIT / 4)
        return 0;
    return (aw->out + 32) * aw->stride + aw->extent + aw->pad_begin < LIMIT;
}

/* The whole plane is the one window: no padding at the start, dense. */
static int is_global(const sp_problem *p)
{
    for (int i = 0; i < 3; i++) {
        const sp_axis *a = &p->axis[i];
        if (a->out != 1 || a->pad_begin != 0 || a->kernel != a->in ||
            (a->kernel > 1 && a->dilation != 1))
            return 0;
    }
    return 1;
}

/* Which interior W path the problem runs: for the kernel's name. */
static const char *shape_tag(const sp_problem *p)
{
    const sp_axis *aw = &p->axis[SP_W];
    if (aw->dilation == 1 && aw->stride == 2 && aw->kernel == 3) return "k3s2";
    if (aw->dilation == 1 && aw->stride == 2 && aw->kernel == 2) return "k2s2";
    if (aw->dilation == 1 && aw->stride == 1 && aw->kernel == 3) return "k3s1";
    if (aw->stride == 1) return "s1";
    if (aw->stride == 2 && aw->dilation == 1) return "s2";
    return "";
}

#define NAME(op, isa, tag) ("f32_" op "_nchw_" tag #isa)

#define FORWARD_NAMES(op, isa)                                                               \
    {NAME(op, isa, ""), NAME(op, isa, "k3s2_"), NAME(op, isa, "k2s2_"), NAME(op, isa, "k3s1_"), \
     NAME(op, isa, "s1_"), NAME(op, isa, "s2_")}

static int tag_slot(const char *tag)
{
    static const char *const tags[] = {"", "k3s2", "k2s2", "k3s1", "s1", "s2"};
    for (int i = 0; i < 6; i++)
        if (__builtin_strcmp(tags[i], tag) == 0) return i;
    return 0;
}

sp_forward_kernel sp_pick_forward_nchw(simdpool_isa isa, const sp_problem *p)
{
    sp_forward_kernel k = {0};
    if (!fits_int32_lanes(p)) return k;
    int slot = tag_slot(shape_tag(p));
    k.unit = SP_WORK_PLANES;
#ifdef SIMDPOOL_HAVE_AVX512
    if (isa == SIMDPOOL_ISA_AVX512) {
        static const char *const max_names[] = FORWARD_NAMES("maxpool_fwd", avx512);
        static const char *const avg_names[] = FORWARD_NAMES("avgpool_fwd", avx512);
        if (p->alg == SIMDPOOL_MAX) {
            k.run = sp_f32_maxpool_fwd_nchw_avx512;
            k.name = max_names[slot];
        } else if (is_global(p)) {
            k.run = sp_f32_avgpool_fwd_nchw_global_avx512;
            k.name = "f32_avgpool_fwd_nchw_global_avx512";
        } else {
            k.run = sp_f32_avgpool_fwd_nchw_avx512;
            k.name = avg_names[slot];
        }
    }
#endif
#ifdef SIMDPOOL_HAVE_AVX2
    if (isa == SIMDPOOL_ISA_AVX2) {
        static const char *const max_names[] = FORWARD_NAMES("maxpool_fwd", avx2);
        static const char *const avg_names[] = FORWARD_NAMES("avgpool_fwd", avx2);
        if (p->alg == SIMDPOOL_MAX) {
            k.run = sp_f32_maxpool_fwd_nchw_avx2;
            k.name = max_names[slot];
        } else if (is_global(p)) {
            k.run = sp_f32_avgpool_fwd_nchw_global_avx2;
            k.name = "f32_avgpool_fwd_nchw_global_avx2";
        } else {
            k.run = sp_f32_avgpool_fwd_nchw_avx2;
            k.name = avg_names[slot];
        }
    }
#endif
    (void)slot;
    return k;
}

sp_backward_kernel sp_pick_backward_nchw(simdpool_isa isa, const sp_problem *p)
{
    sp_backward_kernel k = {0};
    if (!fits_int32_lanes(p)) return k;
    k.unit = SP_WORK_PLANES;
#ifdef SIMDPOOL_HAVE_AVX512
    if (isa == SIMDPOOL_ISA_AVX512) {
        k.run = p->alg == SIMDPOOL_MAX ? sp_f32_maxpool_bwd_nchw_avx512 : sp_f32_avgpool_bwd_nchw_avx512;
        k.name = p->alg == SIMDPOOL_MAX ? "f32_maxpool_bwd_nchw_avx512" : "f32_avgpool_bwd_nchw_avx512";
        if (p->alg != SIMDPOOL_MAX && is_global(p)) {
            k.run = sp_f32_avgpool_bwd_nchw_global_avx512;
            k.name = "f32_avgpool_bwd_nchw_global_avx512";
        }
    }
#endif
#ifdef SIMDPOOL_HAVE_AVX2
    if (isa == SIMDPOOL_ISA_AVX2) {
        k.run = p->alg == SIMDPOOL_MAX ? sp_f32_maxpool_bwd_nchw_avx2 : sp_f32_avgpool_bwd_nchw_avx2;
        k.name = p->alg == SIMDPOOL_MAX ? "f32_maxpool_bwd_nchw_avx2" : "f32_avgpool_bwd_nchw_avx2";
        if (p->alg != SIMDPOOL_MAX && is_global(p)) {
            k.run = sp_f32_avgpool_bwd_nchw_global_avx2;
            k.name = "f32_avgpool_bwd_nchw_global_avx2";
        }
    }
#endif
    return k;
}
