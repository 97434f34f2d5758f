/*
 * The kernel harness: every ISA this machine can run, against the scalar
 * reference, on hand-picked edge problems and on hundreds of random ones
 * that hit every vector tail, padding and ceil-mode edge, with guard pages
 * on both sides of every buffer.
 *
 *   check_pool [--seed S] [--cases N] [--isa NAME] [--verbose]
 *   check_pool --corpus DIR [--isa NAME]   oneDNN benchdnn shape files instead
 *
 * Each problem is checked forward (max with and without indices), backward
 * (max from indices and from src, and from indices with one corrupted),
 * split into random work ranges (results must be bit-identical to one call)
 * and now and then threaded.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchdnn.h"
#include "guard.h"
#include "harness.h"
#include "simdpool.h"

/* Largest source tensor a random problem may have, in elements. */
#define MAX_RANDOM_ELEMENTS 150000

typedef struct options {
    uint64_t seed;
    int cases;
    const char *corpus; /* a folder of benchdnn shape files, or NULL */
    unsigned isas; /* bit per ISA to check */
    bool verbose;
} options;

typedef struct tally {
    int checks[SIMDPOOL_ISA_COUNT];
    int failures;
    /* Which kernels ran, so that a silent fallback to the reference shows. */
    const char *kernels[64];
    int kernel_runs[64];
    int kernel_isa[64];
    int kernel_count;
} tally;

static tally totals;
static uint64_t harness_seed;

static void count_kernel(simdpool_isa isa, const char *name)
{
    for (int i = 0; i < totals.kernel_count; i++)
        if (totals.kernel_isa[i] == (int)isa && strcmp(totals.kernels[i], name) == 0) {
            totals.kernel_runs[i]++;
            return;
        }
    if (totals.kernel_count < 64) {
        totals.kernels[totals.kernel_count] = name;
        totals.kernel_isa[totals.kernel_count] = isa;
        totals.kernel_runs[totals.kernel_count++] = 1;
    }
}

/* ---- data ----------------------------------------------------------------- */

typedef enum data_kind { DATA_UNIFORM, DATA_TIES, DATA_SPECIAL, DATA_ALL_NEG_INF, DATA_KINDS } data_kind;

static float nan_with_payload(uint32_t payload, bool negative)
{
    union {
        uint32_t u;
        float f;
    } v = {(negative ? 0xffc00000u : 0x7fc00000u) | (payload & 0x3fffffu)};
    return v.f;
}

static void fill(rng *r, float *x, int64_t n, data_kind kind)
{
    for (int64_t i = 0; i < n; i++) {
        switch (kind) {
        case DATA_UNIFORM: x[i] = (float)((double)(rng_next(r) >> 11) / 9007199254740992.0 * 2 - 1); break;
        case DATA_TIES: {
            int64_t v = rng_range(r, -2, 2);
            x[i] = v == 0 ? (rng_chance(r, 50) ? -0.0f : 0.0f) : (float)v;
            break;
        }
        case DATA_SPECIAL: {
            int64_t pick = rng_range(r, 0, 9);
            /* Distinct NaN payloads show whether the right NaN was kept. */
            x[i] = pick == 0   ? nan_with_payload((uint32_t)i + 1, rng_chance(r, 30))
                   : pick == 1 ? INFINITY
                   : pick <= 3 ? -INFINITY
                   : pick == 4 ? -0.0f
                               : (float)rng_range(r, -2, 2);
            break;
        }
        case DATA_ALL_NEG_INF: x[i] = -INFINITY; break;
        default: x[i] = 0; break;
        }
    }
}

/* ---- problems ------------------------------------------------------------- */

static const int64_t channel_choices[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 47, 48, 63, 64, 65, 100};

static void random_axis(rng *r, simdpool_desc *d, int i, int64_t max_in)
{
    int64_t k = rng_chance(r, 15) ? 1 : rng_range(r, 2, d->dims == 3 ? 4 : 6);
    int64_t dil = rng_chance(r, 15) ? rng_range(r, 2, 3) : 1;
    int64_t s = rng_chance(r, 50) ? rng_range(r, 1, 2) : rng_range(r, 1, k + 2);
    int64_t extent = (k - 1) * dil + 1;
    d->kernel[i] = k;
    d->dilation[i] = dil;
    d->stride[i] = s;
    d->in[i] = rng_chance(r, 10) ? rng_range(r, 1, 3) : rng_range(r, 1, max_in);
    /* Mostly PyTorch's limit (pad <= k/2); sometimes windows entirely in the padding. */
    d->pad_begin[i] = rng_chance(r, 20) ? rng_range(r, 0, extent + 1) : rng_range(r, 0, k / 2);
    int64_t end_kind = rng_range(r, 0, 9);
    d->pad_end[i] = end_kind < 5   ? d->pad_begin[i]
                    : end_kind < 8 ? rng_range(r, 0, extent)
                                   : -rng_range(r, 1, s); /* oneDNN's negative padding_r */
}

static bool random_problem(rng *r, simdpool_desc *d)
{
    simdpool_desc_init(d, (simdpool_alg)rng_range(r, 0, 2),
                       rng_chance(r, 50) ? SIMDPOOL_CHANNELS_FIRST : SIMDPOOL_CHANNELS_LAST,
                       (int)rng_range(r, 1, 3));
    d->batch = rng_chance(r, 25) ? rng_range(r, 2, 3) : 1;
    d->channels = rng_chance(r, 70)
                      ? channel_choices[rng_range(r, 0, sizeof channel_choices / sizeof *channel_choices - 1)]
                      : rng_range(r, 1, 80);
    int64_t max_in = d->dims == 1 ? 80 : d->dims == 2 ? 40 : 12;
    for (int i = 0; i < d->dims; i++) random_axis(r, d, i, max_in);
    d->ceil_mode = rng_chance(r, 40);
    if (d->alg != SIMDPOOL_MAX && rng_chance(r, 15)) d->divisor_override = rng_range(r, 1, 20);
    simdpool_plan *plan;
    if (simdpool_plan_create_for_isa(d, SIMDPOOL_ISA_SCALAR, &plan) != SIMDPOOL_OK) return false;
    int64_t elements = simdpool_plan_src_elements(plan);
    simdpool_plan_destroy(plan);
    return elements <= MAX_RANDOM_ELEMENTS;
}

/* Hand-picked problems: network shapes, windows in padding, ceil-mode edges,
 * one-element dims, long rows and wide channels. */
typedef struct edge_problem {
    int dims;
    int64_t n, c, in[3], k[3], s[3], pb[3], pe[3], dil[3];
    int ceil;
} edge_problem;

static const edge_problem edges[] = {
    /* ResNet stem, VGG, AlexNet, GoogLeNet at few channels. */
    {2, 1, 3, {112, 112}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 0},
    {2, 1, 5, {64, 64}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, 0},
    {2, 1, 4, {55, 55}, {3, 3}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, 0},
    {2, 1, 6, {28, 28}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 0},
    {2, 1, 3, {57, 57}, {3, 3}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, 1},
    /* Global pooling, one-element dims. */
    {2, 2, 64, {7, 7}, {7, 7}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, 0},
    {2, 1, 17, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, 0},
    {3, 1, 3, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, 0},
    {1, 1, 1, {1}, {3}, {1}, {1}, {1}, {1}, 0},
    /* Channels-last windows of 8 taps or more over many channels, with a
     * source past 1 MiB: the average forward's accumulator-row path (global
     * 7x7 past its 2048-channel row, and 5x5 windows whose borders have fewer
     * taps). */
    {2, 3, 2100, {7, 7}, {7, 7}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, 0},
    {2, 1, 300, {30, 30}, {5, 5}, {1, 2}, {2, 2}, {2, 1}, {1, 1}, 0},
    /* U-Net's 2x2x2 stride 2 windows, tiling the input. */
    {3, 1, 19, {6, 6, 6}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, 0},
    /* Windows entirely in the padding; padding larger than the kernel. */
    {2, 1, 9, {5, 5}, {2, 2}, {1, 1}, {3, 3}, {3, 3}, {1, 1}, 0},
    {1, 2, 16, {13}, {3}, {1}, {3}, {3}, {1}, 0},
    /* 3D with one depth, whose only window lies in the D padding, over 3x3
     * H x W windows (a backward path once checked only H and W for them). */
    {3, 1, 9, {1, 4, 7}, {1, 3, 3}, {3, 1, 1}, {1, 1, 1}, {1, 1, 0}, {1, 1, 1}, 0},
    /* benchdnn's negative end padding: one output fewer than with 0. */
    {1, 1, 1, {2}, {1}, {1}, {0}, {-1}, {1}, 0},
    {1, 1, 16, {30}, {3}, {2}, {0}, {-1}, {1}, 0},
    /* Ceil mode: a last window hanging past the end padding. */
    {1, 1, 7, {7}, {2}, {3}, {1}, {1}, {1}, 1},
    {2, 1, 8, {6, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1},
    /* Ceil mode meeting a negative end padding: windows past in + pad_end. */
    {2, 1, 17, {9, 12}, {2, 3}, {3, 2}, {0, 1}, {-2, -1}, {1, 1}, 1},
    /* Dilation with holes over the padding. */
    {1, 1, 5, {10}, {3}, {2}, {1}, {1}, {2}, 0},
    {2, 1, 3, {9, 9}, {2, 3}, {3, 1}, {2, 0}, {0, 2}, {3, 2}, 1},
    /* Stride larger than the kernel: skipped input. */
    {3, 1, 5, {11, 12, 7}, {3, 4, 2}, {4, 4, 5}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, 0},
    /* Long rows and wide channels: huge next to degenerate. */
    {1, 1, 1, {1 << 20}, {3}, {2}, {1}, {1}, {1}, 0},
    {2, 1, 4099, {5, 5}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1},
    {2, 1, 1, {2, 4096}, {2, 3}, {1, 1}, {0, 1}, {0, 1}, {1, 1}, 0},
};

static void edge_desc(const edge_problem *e, simdpool_alg alg, simdpool_layout layout,
                      simdpool_desc *d)
{
    simdpool_desc_init(d, alg, layout, e->dims);
    d->batch = e->n;
    d->channels = e->c;
    d->ceil_mode = e->ceil;
    for (int i = 0; i < e->dims; i++) {
        d->in[i] = e->in[i];
        d->kernel[i] = e->k[i];
        d->stride[i] = e->s[i];
        d->pad_begin[i] = e->pb[i];
        d->pad_end[i] = e->pe[i];
        d->dilation[i] = e->dil[i];
    }
}

/* ---- checking one problem -------------------------------------------------- */

typedef struct buffers {
    guarded src, dst, indices, diff_dst, diff_src;
    float *ref_dst, *ref_abs, *ref_diff_src, *ref_diff_abs, *whole, *abs_in;
    int64_t *ref_indices, *whole_indices;
} buffers;

static void report(const simdpool_desc *d, simdpool_direction dir, simdpool_isa isa,
                   const simdpool_plan *plan, uint64_t seed, const char *what)
{
    char text[512];
    problem_text(d, dir, isa, seed, text, sizeof text);
    fprintf(stderr, "FAIL [%s, kernel %s] %s\n  problem: %s\n  reproduce: check_pool --seed %llu\n",
            simdpool_isa_name(isa), plan ? simdpool_plan_kernel_name(plan, dir) : "-", what, text,
            (unsigned long long)harness_seed);
    totals.failures++;
}

static bool compare_max(const simdpool_desc *d, int64_t plane, const float *got,
                        const float *ref, const int64_t *got_idx, const int64_t *ref_idx,
                        int64_t n, char *why, size_t size)
{
    for (int64_t i = 0; i < n; i++) {
        if (!same_bits(got[i], ref[i]) || (got_idx && got_idx[i] != ref_idx[i])) {
            char where[128];
            position_text(d, plane, i, where, sizeof where);
            snprintf(why, size, "%s: got %a (index %lld), reference %a (index %lld)", where,
                     got[i], got_idx ? (long long)got_idx[i] : -2LL, ref[i],
                     (long long)ref_idx[i]);
            return false;
        }
    }
    return true;
}

static bool compare_sum(const simdpool_desc *d, int64_t plane, const float *got, const float *ref,
                        const float *magnitude, int64_t terms, int64_t n, char *why, size_t size)
{
    for (int64_t i = 0; i < n; i++)
        if (!close_enough(got[i], ref[i], magnitude[i], terms)) {
            char where[128];
            position_text(d, plane, i, where, sizeof where);
            snprintf(why, size, "%s: got %.9g, reference %.9g (bound from magnitude %.9g, %lld terms)",
                     where, got[i], ref[i], magnitude[i], (long long)terms);
            return false;
        }
    return true;
}

static bool compare_bits(const float *a, const float *b, int64_t n, int64_t *at)
{
    for (int64_t i = 0; i < n; i++)
        if (!same_bits(a[i], b[i])) {
            *at = i;
            return false;
        }
    return true;
}

static void poison(float *x, int64_t n)
{
    /* A NaN no kernel computes: an element left unwritten shows as a mismatch. */
    float p = nan_with_payload(0x2dead, true);
    for (int64_t i = 0; i < n; i++) x[i] = p;
}

/* Runs [0, items) as up to four ranges in shuffled order. */
static simdpool_status run_in_pieces(rng *r, const simdpool_plan *plan, simdpool_direction dir,
                                     const float *in, float *out, int64_t *indices,
                                     const int64_t *saved, const float *src)
{
    int64_t items = simdpool_plan_work_items(plan, dir);
    int64_t cut[5] = {0, rng_range(r, 0, items), rng_range(r, 0, items), rng_range(r, 0, items), items};
    for (int i = 1; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (cut[j] < cut[i]) {
                int64_t t = cut[i];
                cut[i] = cut[j];
                cut[j] = t;
            }
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; i--) {
        int j = (int)rng_range(r, 0, i), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < 4; i++) {
        int piece = order[i];
        simdpool_status s =
            dir == SIMDPOOL_FORWARD
                ? simdpool_forward_range(plan, in, out, indices, cut[piece], cut[piece + 1])
                : simdpool_backward_range(plan, in, saved, src, out, cut[piece], cut[piece + 1]);
        if (s != SIMDPOOL_OK) return s;
    }
    return SIMDPOOL_OK;
}

static int64_t taps_of(const simdpool_desc *d)
{
    int64_t taps = 1;
    for (int i = 0; i < d->dims; i++) taps *= d->kernel[i];
    return taps;
}

/* Do windows overlap? If not, max backward adds at most one term per element
 * and must match exactly. */
static bool windows_overlap(const simdpool_desc *d)
{
    for (int i = 0; i < d->dims; i++)
        if ((d->kernel[i] - 1) * d->dilation[i] + 1 > d->stride[i]) return true;
    return false;
}

/*
 * Max backward from saved indices of which one is corrupted (out of the
 * plane, negative, moved a little, or wrong in its high 32 bits only): the kernel must give the reference's
 * status, SIMDPOOL_ERR_BAD_INDEX when the index is no tap of its window,
 * without touching anything outside the buffers (the indices sit against a
 * guard page too); where the moved index is still a valid tap, the same
 * diff_src as the reference from the same indices.
 */
static void check_corrupted_indices(rng *r, const simdpool_desc *d, const simdpool_plan *plan,
                                    buffers *b, int64_t src_n, int64_t dst_n, int64_t in_plane,
                                    simdpool_isa isa, uint64_t case_seed)
{
    int64_t *bad = b->indices.ptr;
    memcpy(bad, b->ref_indices, (size_t)dst_n * sizeof *bad);
    const int64_t j = rng_range(r, 0, dst_n - 1);
    const int64_t roll = rng_range(r, 0, 99);
    if (roll < 60) {
        bad[j] = rng_range(r, -2, in_plane + 1);
    } else if (roll < 85) {
        bad[j] += rng_range(r, -3, 3);
    } else {
        /* the right low 32 bits under wrong high ones: kernels that narrow
         * the indices to int32 must still see them */
        static const uint64_t high[] = {(uint64_t)1 << 32, (uint64_t)-((int64_t)1 << 32),
                                        (uint64_t)3 << 32, (uint64_t)1 << 63};
        bad[j] = (int64_t)((uint64_t)bad[j] + high[rng_range(r, 0, 3)]);
    }

    simdpool_plan *ref;
    if (simdpool_plan_create_for_isa(d, SIMDPOOL_ISA_SCALAR, &ref) != SIMDPOOL_OK) return;
    float *want = malloc((size_t)src_n * sizeof *want), *bound = malloc((size_t)src_n * sizeof *bound);
    if (!want || !bound) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    const float *diff_dst = b->diff_dst.ptr;
    float *diff_src = b->diff_src.ptr;
    simdpool_status want_s = simdpool_backward(ref, diff_dst, bad, NULL, want);
    if (want_s == SIMDPOOL_OK) simdpool_backward(ref, b->abs_in, bad, NULL, bound);
    simdpool_plan_destroy(ref);

    poison(diff_src, src_n);
    simdpool_status s = simdpool_backward(plan, diff_dst, bad, NULL, diff_src);
    totals.checks[isa]++;
    char why[512];
    if (s != want_s) {
        snprintf(why, sizeof why, "index %lld of output %lld corrupted: status '%s', reference '%s'",
                 (long long)bad[j], (long long)j, simdpool_status_message(s),
                 simdpool_status_message(want_s));
        report(d, SIMDPOOL_BACKWARD, isa, plan, case_seed, why);
    } else if (s == SIMDPOOL_OK &&
               !compare_sum(d, in_plane, diff_src, want, bound, taps_of(d), src_n, why, sizeof why)) {
        report(d, SIMDPOOL_BACKWARD, isa, plan, case_seed, why);
    }
    free(want);
    free(bound);
}

static void check_isa(rng *r, const options *opt, const simdpool_desc *d, simdpool_isa isa,
                      buffers *b, uint64_t case_seed)
{
    simdpool_plan *plan;
    simdpool_status s = simdpool_plan_create_for_isa(d, isa, &plan);
    if (s != SIMDPOOL_OK) {
        report(d, SIMDPOOL_FORWARD, isa, NULL, case_seed, simdpool_status_message(s));
        return;
    }
    const int64_t src_n = simdpool_plan_src_elements(plan), dst_n = simdpool_plan_dst_elements(plan);
    const int64_t in_plane = src_n / d->batch / d->channels, out_plane = dst_n / d->batch / d->channels;
    const bool is_max = d->alg == SIMDPOOL_MAX;
    float *src = b->src.ptr, *dst = b->dst.ptr, *diff_dst = b->diff_dst.ptr, *diff_src = b->diff_src.ptr;
    int64_t *indices = b->indices.ptr;
    char why[512];

    /* Forward. */
    count_kernel(isa, simdpool_plan_kernel_name(plan, SIMDPOOL_FORWARD));
    poison(dst, dst_n);
    if (is_max) memset(indices, 0x5a, (size_t)dst_n * sizeof *indices);
    s = simdpool_forward(plan, src, dst, is_max ? indices : NULL);
    totals.checks[isa]++;
    if (s != SIMDPOOL_OK) {
        report(d, SIMDPOOL_FORWARD, isa, plan, case_seed, simdpool_status_message(s));
    } else if (is_max ? !compare_max(d, out_plane, dst, b->ref_dst, indices, b->ref_indices, dst_n, why, sizeof why)
                      : !compare_sum(d, out_plane, dst, b->ref_dst, b->ref_abs, taps_of(d), dst_n, why, sizeof why)) {
        report(d, SIMDPOOL_FORWARD, isa, plan, case_seed, why);
    } else {
        memcpy(b->whole, dst, (size_t)dst_n * sizeof *dst);
        if (is_max) memcpy(b->whole_indices, indices, (size_t)dst_n * sizeof *indices);
        if (is_max) {
            /* Without indices the values must not change. */
            poison(dst, dst_n);
            s = simdpool_forward(plan, src, dst, NULL);
            int64_t at;
            if (s != SIMDPOOL_OK || !compare_bits(dst, b->whole, dst_n, &at))
                report(d, SIMDPOOL_FORWARD, isa, plan, case_seed, "max without indices differs from max with indices");
        }
        poison(dst, dst_n);
        s = run_in_pieces(r, plan, SIMDPOOL_FORWARD, src, dst, is_max ? indices : NULL, NULL, NULL);
        int64_t at;
        if (s != SIMDPOOL_OK || !compare_bits(dst, b->whole, dst_n, &at) ||
            (is_max && memcmp(indices, b->whole_indices, (size_t)dst_n * sizeof *indices) != 0))
            report(d, SIMDPOOL_FORWARD, isa, plan, case_seed, "work ranges differ from one whole call");
        if (rng_chance(r, 15)) {
            poison(dst, dst_n);
            s = simdpool_forward_threaded(plan, src, dst, is_max ? indices : NULL, 2);
            if (s != SIMDPOOL_OK || !compare_bits(dst, b->whole, dst_n, &at))
                report(d, SIMDPOOL_FORWARD, isa, plan, case_seed, "threaded call differs from one whole call");
        }
    }

    /* Backward; max takes the reference's indices, or recomputes from src. */
    count_kernel(isa, simdpool_plan_kernel_name(plan, SIMDPOOL_BACKWARD));
    const int64_t terms = taps_of(d);
    for (int from_src = 0; from_src <= (is_max ? 1 : 0); from_src++) {
        const int64_t *saved = is_max && !from_src ? b->ref_indices : NULL;
        poison(diff_src, src_n);
        s = simdpool_backward(plan, diff_dst, saved, src, diff_src);
        totals.checks[isa]++;
        const char *form = !is_max ? "" : from_src ? " (max recomputed from src)" : " (max from indices)";
        bool ok;
        if (s != SIMDPOOL_OK) {
            snprintf(why, sizeof why, "%s%s", simdpool_status_message(s), form);
            report(d, SIMDPOOL_BACKWARD, isa, plan, case_seed, why);
            continue;
        }
        if (is_max && !windows_overlap(d)) {
            int64_t at;
            ok = compare_bits(diff_src, b->ref_diff_src, src_n, &at);
            if (!ok) {
                char where[128];
                position_text(d, in_plane, at, where, sizeof where);
                snprintf(why, sizeof why, "%s: got %a, reference %a%s", where, diff_src[at], b->ref_diff_src[at], form);
            }
        } else {
            ok = compare_sum(d, in_plane, diff_src, b->ref_diff_src, b->ref_diff_abs, terms, src_n, why, sizeof why);
        }
        if (!ok) {
            report(d, SIMDPOOL_BACKWARD, isa, plan, case_seed, why);
            continue;
        }
        memcpy(b->whole, diff_src, (size_t)src_n * sizeof *diff_src);
        poison(diff_src, src_n);
        s = run_in_pieces(r, plan, SIMDPOOL_BACKWARD, diff_dst, diff_src, NULL, saved, src);
        int64_t at;
        if (s != SIMDPOOL_OK || !compare_bits(diff_src, b->whole, src_n, &at))
            report(d, SIMDPOOL_BACKWARD, isa, plan, case_seed, "backward work ranges differ from one whole call");
        if (rng_chance(r, 10)) {
            poison(diff_src, src_n);
            s = simdpool_backward_threaded(plan, diff_dst, saved, src, diff_src, 2);
            if (s != SIMDPOOL_OK || !compare_bits(diff_src, b->whole, src_n, &at))
                report(d, SIMDPOOL_BACKWARD, isa, plan, case_seed, "threaded backward differs from one whole call");
        }
    }
    if (is_max && dst_n > 0) check_corrupted_indices(r, d, plan, b, src_n, dst_n, in_plane, isa, case_seed);
    if (opt->verbose) {
        char text[512];
        problem_text(d, SIMDPOOL_FORWARD, isa, case_seed, text, sizeof text);
        printf("ok %-10s %-40s %s\n", simdpool_isa_name(isa), simdpool_plan_kernel_name(plan, SIMDPOOL_FORWARD), text);
    }
    simdpool_plan_destroy(plan);
}

/* Checks one problem on every selected ISA. `case_seed` reproduces the data. */
static void check_problem(const options *opt, const simdpool_desc *d, uint64_t case_seed, int case_number)
{
    rng r = {case_seed};
    simdpool_plan *ref_plan;
    if (simdpool_plan_create_for_isa(d, SIMDPOOL_ISA_SCALAR, &ref_plan) != SIMDPOOL_OK) {
        report(d, SIMDPOOL_FORWARD, SIMDPOOL_ISA_SCALAR, NULL, case_seed, "reference plan refused a valid problem");
        return;
    }
    const int64_t src_n = simdpool_plan_src_elements(ref_plan), dst_n = simdpool_plan_dst_elements(ref_plan);
    /* Alternate the guarded side so overruns past either end are caught. */
    guard_side side = case_number % 2 ? GUARD_BEFORE : GUARD_AFTER;
    buffers b = {
        .src = guard_alloc((size_t)src_n * sizeof(float), side),
        .dst = guard_alloc((size_t)dst_n * sizeof(float), side),
        .indices = guard_alloc((size_t)dst_n * sizeof(int64_t), side),
        .diff_dst = guard_alloc((size_t)dst_n * sizeof(float), side),
        .diff_src = guard_alloc((size_t)src_n * sizeof(float), side),
    };
    size_t big = (size_t)(src_n > dst_n ? src_n : dst_n);
    b.ref_dst = malloc((size_t)dst_n * sizeof(float));
    b.ref_abs = malloc((size_t)dst_n * sizeof(float));
    b.ref_diff_src = malloc((size_t)src_n * sizeof(float));
    b.ref_diff_abs = malloc((size_t)src_n * sizeof(float));
    b.whole = malloc(big * sizeof(float));
    b.abs_in = malloc(big * sizeof(float));
    b.ref_indices = malloc((size_t)dst_n * sizeof(int64_t));
    b.whole_indices = malloc((size_t)dst_n * sizeof(int64_t));
    if (!b.ref_dst || !b.ref_abs || !b.ref_diff_src || !b.ref_diff_abs || !b.whole || !b.abs_in ||
        !b.ref_indices || !b.whole_indices) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    data_kind kind = d->alg == SIMDPOOL_MAX ? (data_kind)rng_range(&r, 0, DATA_KINDS - 1)
                                            : rng_chance(&r, 85) ? DATA_UNIFORM : DATA_SPECIAL;
    if (kind == DATA_ALL_NEG_INF && rng_chance(&r, 50)) kind = DATA_SPECIAL;
    fill(&r, b.src.ptr, src_n, kind);
    fill(&r, b.diff_dst.ptr, dst_n, rng_chance(&r, 50) ? DATA_UNIFORM : DATA_TIES);

    /* The reference, and the same computation on magnitudes for the bounds. */
    simdpool_forward(ref_plan, b.src.ptr, b.ref_dst, d->alg == SIMDPOOL_MAX ? b.ref_indices : NULL);
    for (int64_t i = 0; i < src_n; i++) b.abs_in[i] = fabsf(((float *)b.src.ptr)[i]);
    if (d->alg != SIMDPOOL_MAX) simdpool_forward(ref_plan, b.abs_in, b.ref_abs, NULL);
    simdpool_backward(ref_plan, b.diff_dst.ptr, b.ref_indices, b.src.ptr, b.ref_diff_src);
    for (int64_t i = 0; i < dst_n; i++) b.abs_in[i] = fabsf(((float *)b.diff_dst.ptr)[i]);
    simdpool_backward(ref_plan, b.abs_in, b.ref_indices, b.src.ptr, b.ref_diff_abs);
    simdpool_plan_destroy(ref_plan);

    for (int isa = 0; isa < SIMDPOOL_ISA_COUNT; isa++)
        if (opt->isas & (1u << isa)) check_isa(&r, opt, d, (simdpool_isa)isa, &b, case_seed);

    guard_free(&b.src);
    guard_free(&b.dst);
    guard_free(&b.indices);
    guard_free(&b.diff_dst);
    guard_free(&b.diff_src);
    free(b.ref_dst);
    free(b.ref_abs);
    free(b.ref_diff_src);
    free(b.ref_diff_abs);
    free(b.whole);
    free(b.abs_in);
    free(b.ref_indices);
    free(b.whole_indices);
}

/*
 * Every problem of every benchdnn shape file in `dir` (but shapes_large_pool,
 * whose tensors need tens of GiB), for all algorithms and both layouts. The
 * batch is cut to 1 and, where a tensor would still be large, the channels
 * too: the spatial shape, where the edge cases live, is kept as given.
 */
static int run_corpus(const options *opt, rng *master, int case_number)
{
    static const char *files[] = {"shapes_1d", "shapes_2d", "shapes_2d_small", "shapes_3d",
                                  "shapes_3d_small", "shapes_3d_unet", "shapes_alexnet",
                                  "shapes_basic", "shapes_global_pooling", "shapes_googlenet_v1",
                                  "shapes_googlenet_v3", "shapes_i3d_resnet50_v1",
                                  "shapes_resnet_50"};
    const int64_t budget = 300000; /* source elements per problem */
    int problems = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char path[1024], line[1024];
        snprintf(path, sizeof path, "%s/%s", opt->corpus, files[f]);
        FILE *in = fopen(path, "r");
        if (!in) {
            fprintf(stderr, "check_pool: cannot read %s\n", path);
            totals.failures++;
            continue;
        }
        while (fgets(line, sizeof line, in)) {
            char *hash = strchr(line, '#');
            if (hash) *hash = 0;
            char word[1024];
            if (sscanf(line, "%1023s", word) != 1) continue;
            simdpool_desc d;
            char name[256], err[256];
            simdpool_desc_init(&d, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_FIRST, 1);
            if (benchdnn_parse(word, &d, name, sizeof name, err, sizeof err) != 0) {
                fprintf(stderr, "check_pool: %s: %s: %s\n", files[f], word, err);
                totals.failures++;
                continue;
            }
            int64_t plane = 1;
            for (int i = 0; i < d.dims; i++) plane *= d.in[i];
            d.batch = 1;
            while (d.channels > 1 && d.channels * plane > budget) d.channels = (d.channels + 1) / 2;
            if (d.channels * plane > budget) continue; /* one channel still too large */
            problems++;
            for (int alg = 0; alg < 3; alg++)
                for (int layout = 0; layout < 2; layout++) {
                    d.alg = (simdpool_alg)alg;
                    d.layout = (simdpool_layout)layout;
                    check_problem(opt, &d, rng_next(master), case_number++);
                }
        }
        fclose(in);
    }
    printf("check_pool: %d corpus problems from %s\n", problems, opt->corpus);
    return case_number;
}

/* ---- average backward with gradients near FLT_MAX / 9 --------------------- */

/* The reference gives each tap diff_dst / divisor and then adds the shares,
 * so a 3x3 window's gradient of FLT_MAX / 2 comes back finite; a kernel that
 * adds diff_dst first and scales the sum overflows to inf. Every average
 * backward path of both layouts: the uniform 3x3/1 box (include padding and a
 * divisor override), the separable ones (exclude padding, stride 2). */
static int check_large_gradients(const options *opt, int case_number)
{
    static const edge_problem shapes[] = {
        {2, 1, 3, {9, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 0},
        {2, 1, 2, {6, 40}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 0},
        {2, 1, 17, {5, 70}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 0},
    };
    for (size_t e = 0; e < sizeof shapes / sizeof *shapes; e++)
        for (int variant = 0; variant < 3; variant++)
            for (int layout = 0; layout < 2; layout++) {
                simdpool_desc d;
                edge_desc(&shapes[e], variant == 1 ? SIMDPOOL_AVG_EXCLUDE_PAD : SIMDPOOL_AVG_INCLUDE_PAD,
                          (simdpool_layout)layout, &d);
                if (variant == 2) d.divisor_override = 9;
                simdpool_plan *ref_plan;
                if (simdpool_plan_create_for_isa(&d, SIMDPOOL_ISA_SCALAR, &ref_plan) != SIMDPOOL_OK) {
                    report(&d, SIMDPOOL_BACKWARD, SIMDPOOL_ISA_SCALAR, NULL, 0, "reference plan refused a valid problem");
                    continue;
                }
                const int64_t src_n = simdpool_plan_src_elements(ref_plan);
                const int64_t dst_n = simdpool_plan_dst_elements(ref_plan);
                const int64_t in_plane = src_n / d.batch / d.channels;
                float *diff_dst = malloc((size_t)dst_n * sizeof(float));
                float *ref = malloc((size_t)src_n * sizeof(float));
                float *got = malloc((size_t)src_n * sizeof(float));
                if (!diff_dst || !ref || !got) {
                    fprintf(stderr, "out of memory\n");
                    exit(2);
                }
                for (int64_t i = 0; i < dst_n; i++) diff_dst[i] = FLT_MAX / 2;
                simdpool_backward(ref_plan, diff_dst, NULL, NULL, ref);
                simdpool_plan_destroy(ref_plan);
                for (int isa = 0; isa < SIMDPOOL_ISA_COUNT; isa++) {
                    if (!(opt->isas & (1u << isa))) continue;
                    simdpool_plan *plan;
                    if (simdpool_plan_create_for_isa(&d, (simdpool_isa)isa, &plan) != SIMDPOOL_OK) {
                        report(&d, SIMDPOOL_BACKWARD, (simdpool_isa)isa, NULL, 0, "plan refused");
                        continue;
                    }
                    count_kernel((simdpool_isa)isa, simdpool_plan_kernel_name(plan, SIMDPOOL_BACKWARD));
                    totals.checks[isa]++;
                    char why[512];
                    simdpool_status st = simdpool_backward(plan, diff_dst, NULL, NULL, got);
                    if (st != SIMDPOOL_OK)
                        report(&d, SIMDPOOL_BACKWARD, (simdpool_isa)isa, plan, 0, simdpool_status_message(st));
                    else if (!compare_sum(&d, in_plane, got, ref, ref, taps_of(&d), src_n, why, sizeof why))
                        report(&d, SIMDPOOL_BACKWARD, (simdpool_isa)isa, plan, 0, why);
                    simdpool_plan_destroy(plan);
                }
                free(diff_dst);
                free(ref);
                free(got);
                case_number++;
            }
    return case_number;
}

/* The hand-picked edge problems in every algorithm and layout, then
 * opt->cases random ones. */
static int run_generated(const options *opt, rng *master)
{
    int case_number = 0;
    for (size_t e = 0; e < sizeof edges / sizeof *edges; e++)
        for (int alg = 0; alg < 3; alg++)
            for (int layout = 0; layout < 2; layout++) {
                simdpool_desc d;
                edge_desc(&edges[e], (simdpool_alg)alg, (simdpool_layout)layout, &d);
                check_problem(opt, &d, rng_next(master), case_number++);
            }
    case_number = check_large_gradients(opt, case_number);
    for (int c = 0; c < opt->cases && totals.failures <= 20;) {
        simdpool_desc d;
        rng pick = {rng_next(master)};
        if (!random_problem(&pick, &d)) continue;
        check_problem(opt, &d, rng_next(master), case_number++);
        c++;
    }
    return case_number;
}

static void usage_error(const char *what)
{
    fprintf(stderr, "check_pool: %s\nusage: check_pool [--seed S|random] [--cases N] [--isa NAME] [--verbose]\n", what);
    exit(2);
}

int main(int argc, char **argv)
{
    options opt = {.seed = 1, .cases = 400, .isas = simdpool_isas_runnable()};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            opt.seed = strcmp(v, "random") == 0 ? (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32)
                                                : strtoull(v, NULL, 0);
        } else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            opt.cases = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) {
            simdpool_isa isa;
            if (simdpool_isa_from_name(argv[++i], &isa) != SIMDPOOL_OK || isa == SIMDPOOL_ISA_AUTO)
                usage_error("unknown ISA");
            if (!(simdpool_isas_runnable() & (1u << isa))) {
                printf("check_pool: %s cannot run on this machine: skipped\n", simdpool_isa_name(isa));
                return 77;
            }
            opt.isas = 1u << isa;
        } else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) {
            opt.corpus = argv[++i];
        } else if (strcmp(argv[i], "--verbose") == 0) {
            opt.verbose = true;
        } else {
            usage_error("unknown argument");
        }
    }

    if (opt.corpus)
        printf("check_pool: seed %llu, the benchdnn corpus in %s\n", (unsigned long long)opt.seed, opt.corpus);
    else
        printf("check_pool: seed %llu, %d random problems\n", (unsigned long long)opt.seed, opt.cases);
    for (int isa = 0; isa < SIMDPOOL_ISA_COUNT; isa++) {
        const char *name = simdpool_isa_name((simdpool_isa)isa);
        if (opt.isas & (1u << isa)) printf("  checking %s\n", name);
        else if (!(simdpool_isas_compiled() & (1u << isa))) printf("  skipping %s: not compiled into this build\n", name);
        else if (!(simdpool_isas_runnable() & (1u << isa))) printf("  skipping %s: this CPU cannot run it\n", name);
    }

    harness_seed = opt.seed;
    rng master = {opt.seed};
    int case_number = opt.corpus ? run_corpus(&opt, &master, 0) : run_generated(&opt, &master);
    if (totals.failures > 20) fprintf(stderr, "check_pool: stopped after %d failures\n", totals.failures);

    printf("kernels run (ISA asked for, kernel that ran, problems):\n");
    for (int i = 0; i < totals.kernel_count; i++)
        printf("  %-7s %-44s %d\n", simdpool_isa_name((simdpool_isa)totals.kernel_isa[i]),
               totals.kernels[i], totals.kernel_runs[i]);
    int checks = 0;
    for (int isa = 0; isa < SIMDPOOL_ISA_COUNT; isa++) checks += totals.checks[isa];
    printf("check_pool: %d problems, %d checks, %d failures (seed %llu)\n", case_number, checks,
           totals.failures, (unsigned long long)opt.seed);
    return totals.failures ? 1 : 0;
}
