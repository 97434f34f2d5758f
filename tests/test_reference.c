/*
 * The reference on its own, before it judges anyone: SEMANTICS.md's examples
 * E1-E13 (PyTorch 1.13's outputs), output sizes, argument validation and the
 * API's error paths. Every example also runs on every runnable ISA.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "simdpool.h"

typedef struct example {
    const char *name;
    simdpool_desc desc;
} example;

static simdpool_desc desc1(simdpool_alg alg, int64_t in, int64_t k, int64_t s, int64_t p,
                           int64_t dil, int ceil)
{
    simdpool_desc d;
    simdpool_desc_init(&d, alg, SIMDPOOL_CHANNELS_FIRST, 1);
    d.in[0] = in;
    d.kernel[0] = k;
    d.stride[0] = s;
    d.pad_begin[0] = d.pad_end[0] = p;
    d.dilation[0] = dil;
    d.ceil_mode = ceil;
    return d;
}

static simdpool_desc desc2(simdpool_alg alg, int64_t in, int64_t k, int64_t s, int64_t p, int ceil)
{
    simdpool_desc d;
    simdpool_desc_init(&d, alg, SIMDPOOL_CHANNELS_FIRST, 2);
    for (int i = 0; i < 2; i++) {
        d.in[i] = in;
        d.kernel[i] = k;
        d.stride[i] = s;
        d.pad_begin[i] = d.pad_end[i] = p;
    }
    d.ceil_mode = ceil;
    return d;
}

/* Runs forward on `isa` and compares with the expected values (bitwise, or
 * within 1 ulp-ish for averages) and, when given, the indices. */
static void expect_forward(const char *name, const simdpool_desc *d, simdpool_isa isa,
                           const float *src, const float *want, const int64_t *want_idx,
                           int64_t want_n)
{
    simdpool_plan *plan;
    simdpool_status s = simdpool_plan_create_for_isa(d, isa, &plan);
    CHECK(s == SIMDPOOL_OK, "%s: plan: %s", name, simdpool_status_message(s));
    if (s != SIMDPOOL_OK) return;
    int64_t n = simdpool_plan_dst_elements(plan);
    CHECK(n == want_n, "%s: %lld outputs, expected %lld", name, (long long)n, (long long)want_n);
    if (n != want_n) {
        simdpool_plan_destroy(plan);
        return;
    }
    float got[64];
    int64_t idx[64];
    s = simdpool_forward(plan, src, got, d->alg == SIMDPOOL_MAX ? idx : NULL);
    CHECK(s == SIMDPOOL_OK, "%s: forward: %s", name, simdpool_status_message(s));
    for (int64_t i = 0; i < n; i++) {
        bool ok = d->alg == SIMDPOOL_MAX ? same_bits(got[i], want[i])
                                         : fabsf(got[i] - want[i]) <= 1e-6f * fabsf(want[i]) ||
                                               (isnan(got[i]) && isnan(want[i]));
        CHECK(ok, "%s [%s]: output %lld is %a, expected %a", name, simdpool_isa_name(isa),
              (long long)i, got[i], want[i]);
        if (want_idx)
            CHECK(idx[i] == want_idx[i], "%s [%s]: index %lld is %lld, expected %lld", name,
                  simdpool_isa_name(isa), (long long)i, (long long)idx[i], (long long)want_idx[i]);
    }
    simdpool_plan_destroy(plan);
}

static void expect_backward(const char *name, const simdpool_desc *d, simdpool_isa isa,
                            const float *src, const float *diff_dst, const float *want)
{
    simdpool_plan *plan;
    if (simdpool_plan_create_for_isa(d, isa, &plan) != SIMDPOOL_OK) {
        CHECK(0, "%s: plan refused", name);
        return;
    }
    float got[64];
    int64_t idx[64];
    int64_t n = simdpool_plan_src_elements(plan);
    if (d->alg == SIMDPOOL_MAX) simdpool_forward(plan, src, got, idx);
    for (int from_src = 0; from_src <= (d->alg == SIMDPOOL_MAX); from_src++) {
        memset(got, 0xff, sizeof got);
        simdpool_status s = simdpool_backward(plan, diff_dst, from_src ? NULL : idx, src, got);
        CHECK(s == SIMDPOOL_OK, "%s: backward: %s", name, simdpool_status_message(s));
        for (int64_t i = 0; i < n; i++)
            CHECK(fabsf(got[i] - want[i]) <= 1e-6f * fabsf(want[i]),
                  "%s [%s]%s: diff_src %lld is %.9g, expected %.9g", name, simdpool_isa_name(isa),
                  from_src ? " from src" : "", (long long)i, got[i], want[i]);
    }
    simdpool_plan_destroy(plan);
}

static void examples(simdpool_isa isa)
{
    const float nan = NAN, inf = INFINITY;
    const simdpool_alg P = SIMDPOOL_AVG_INCLUDE_PAD, X = SIMDPOOL_AVG_EXCLUDE_PAD, M = SIMDPOOL_MAX;
    simdpool_desc d;

    d = desc1(M, 5, 5, 5, 0, 1, 0);
    expect_forward("E1", &d, isa, (float[]){1, nan, 3, nan, 2}, (float[]){nan}, (int64_t[]){3}, 1);
    d = desc1(M, 4, 4, 4, 0, 1, 0);
    expect_forward("E2", &d, isa, (float[]){1, 3, 3, 2}, (float[]){3}, (int64_t[]){1}, 1);
    d = desc1(M, 3, 3, 1, 1, 1, 0);
    expect_forward("E3", &d, isa, (float[]){-inf, -inf, -inf}, (float[]){-inf, -inf, -inf},
                   (int64_t[]){0, 0, 1}, 3);
    d = desc1(M, 5, 2, 2, 0, 1, 1);
    expect_forward("E4", &d, isa, (float[]){1, 2, 3, 4, 5}, (float[]){2, 4, 5},
                   (int64_t[]){1, 3, 4}, 3);
    d = desc1(M, 10, 3, 2, 1, 2, 0);
    expect_forward("E5", &d, isa, (float[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, (float[]){3, 5, 7, 9},
                   (int64_t[]){3, 5, 7, 9}, 4);
    for (int alg = 1; alg <= 2; alg++) {
        d = desc1((simdpool_alg)alg, 7, 2, 3, 1, 1, 1);
        expect_forward("E6", &d, isa, (float[]){0, 1, 2, 3, 4, 5, 6}, (float[]){0, 2.5f, 5.5f}, NULL, 3);
    }
    {
        float ones[36];
        for (int i = 0; i < 36; i++) ones[i] = 1;
        d = desc2(P, 6, 3, 2, 1, 1);
        float want[16];
        simdpool_plan *plan;
        simdpool_plan_create_for_isa(&d, isa, &plan);
        CHECK(simdpool_plan_dst_elements(plan) == 16, "E7: 4x4 outputs");
        simdpool_forward(plan, ones, want, NULL);
        const float last[4] = {1.0f / 3, 0.5f, 0.5f, 0.25f};
        for (int i = 0; i < 4; i++)
            CHECK(fabsf(want[12 + i] - last[i]) < 1e-6f, "E7 [%s]: last row %d is %g, expected %g",
                  simdpool_isa_name(isa), i, want[12 + i], last[i]);
        simdpool_plan_destroy(plan);
    }
    {
        float x[16];
        for (int i = 0; i < 16; i++) x[i] = (float)i;
        float got[16];
        simdpool_plan *plan;
        const float want_x[4] = {2.5f, 3, 4, 4.5f}, want_p[4] = {10.0f / 9, 2, 8.0f / 3, 2},
                    want_div[4] = {2.5f, 4.5f, 6, 4.5f};
        for (int which = 0; which < 3; which++) {
            d = desc2(which == 0 ? X : P, 4, 3, 1, 1, 0);
            if (which == 2) d.divisor_override = 4;
            const float *want = which == 0 ? want_x : which == 1 ? want_p : want_div;
            simdpool_plan_create_for_isa(&d, isa, &plan);
            simdpool_forward(plan, x, got, NULL);
            for (int i = 0; i < 4; i++)
                CHECK(fabsf(got[i] - want[i]) < 1e-6f, "E8.%d [%s]: row 0 col %d is %g, expected %g",
                      which, simdpool_isa_name(isa), i, got[i], want[i]);
            simdpool_plan_destroy(plan);
        }
        d = desc2(M, 4, 3, 1, 1, 0);
        expect_forward("E9", &d, isa, x,
                       (float[]){5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 13, 14, 15, 15},
                       (int64_t[]){5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 13, 14, 15, 15}, 16);
        float ones[16];
        for (int i = 0; i < 16; i++) ones[i] = 1;
        expect_backward("E9 backward", &d, isa, x, ones,
                        (float[]){0, 0, 0, 0, 0, 1, 1, 2, 0, 1, 1, 2, 0, 2, 2, 4});
    }
    d = desc1(X, 4, 3, 1, 1, 1, 1);
    expect_backward("E10", &d, isa, (float[]){1, 1, 1, 1}, (float[]){1, 1, 1, 1},
                    (float[]){5.0f / 6, 7.0f / 6, 7.0f / 6, 5.0f / 6});
    d = desc2(M, 2, 2, 2, 0, 0);
    expect_forward("E11", &d, isa, (float[]){1, nan, nan, 2}, (float[]){nan}, (int64_t[]){2}, 1);
    d = desc1(M, 2, 2, 2, 0, 1, 0);
    expect_forward("E12", &d, isa, (float[]){0.0f, -0.0f}, (float[]){0.0f}, (int64_t[]){0}, 1);
    expect_forward("E13", &d, isa, (float[]){-0.0f, 0.0f}, (float[]){-0.0f}, (int64_t[]){0}, 1);

    /* No valid tap: max -inf with index -1, averages 0, nothing flows back. */
    d = desc1(M, 2, 2, 1, 3, 1, 0);
    expect_forward("all-pad max", &d, isa, (float[]){5, 6},
                   (float[]){-inf, -inf, 5, 6, 6, -inf, -inf},
                   (int64_t[]){-1, -1, 0, 1, 1, -1, -1}, 7);
    expect_backward("all-pad max backward", &d, isa, (float[]){5, 6},
                    (float[]){1, 1, 1, 1, 1, 1, 1}, (float[]){1, 2});
    for (int alg = 1; alg <= 2; alg++) {
        d = desc1((simdpool_alg)alg, 2, 2, 1, 3, 1, 0);
        float want_p[7] = {0, 0, 2.5f, 5.5f, 3, 0, 0}, want_x[7] = {0, 0, 5, 5.5f, 6, 0, 0};
        expect_forward("all-pad avg", &d, isa, (float[]){5, 6}, alg == 1 ? want_p : want_x, NULL, 7);
    }
    /* Ceil mode with a negative end padding: the last window starts at input 2,
     * past in + pad_end = 2, yet its tap is an input and counts in the divisor. */
    for (int alg = 1; alg <= 2; alg++) {
        d = desc1((simdpool_alg)alg, 4, 1, 2, 0, 1, 1);
        d.pad_end[0] = -2;
        expect_forward("ceil with negative end padding", &d, isa, (float[]){3, 5, 7, 9},
                       (float[]){3, 7}, NULL, 2);
    }
    /* Dilation whose taps straddle the only input element: no valid tap. */
    d = desc1(M, 1, 2, 1, 1, 2, 0);
    expect_forward("dilation holes", &d, isa, (float[]){4}, (float[]){-inf}, (int64_t[]){-1}, 1);
    d = desc1(X, 1, 2, 1, 1, 2, 0);
    expect_forward("dilation holes avg_np", &d, isa, (float[]){4}, (float[]){0}, NULL, 1);
    d = desc1(P, 1, 2, 1, 1, 2, 0);
    d.divisor_override = 3;
    expect_forward("dilation holes override", &d, isa, (float[]){4}, (float[]){0}, NULL, 1);
    /* The same with a tap on it. */
    d = desc1(M, 3, 2, 1, 1, 2, 0);
    expect_forward("dilation", &d, isa, (float[]){4, 7, 5}, (float[]){7, 5, 7}, (int64_t[]){1, 2, 1}, 3);
}

static void output_sizes(void)
{
    /* floor, ceil, and the ceil rule that drops a window starting in the end padding. */
    CHECK(simdpool_output_extent(112, 3, 2, 1, 1, 1, 0) == 56, "ResNet stem");
    CHECK(simdpool_output_extent(5, 2, 2, 0, 0, 1, 0) == 2, "floor");
    CHECK(simdpool_output_extent(5, 2, 2, 0, 0, 1, 1) == 3, "ceil");
    CHECK(simdpool_output_extent(7, 2, 3, 1, 1, 1, 1) == 3, "E6 ceil");
    CHECK(simdpool_output_extent(4, 2, 2, 1, 1, 1, 1) == 3, "ceil, last window would start in end pad");
    CHECK(simdpool_output_extent(10, 3, 2, 1, 1, 2, 0) == 4, "E5 dilated");
    CHECK(simdpool_output_extent(2, 1, 1, 0, -1, 1, 0) == 1, "benchdnn negative pad_r");
    CHECK(simdpool_output_extent(2, 1, 1, 0, 0, 1, 0) == 2, "same without it");
    CHECK(simdpool_output_extent(30, 3, 2, 0, -1, 1, 0) == 14, "negative_pw_r");
    CHECK(simdpool_output_extent(2, 3, 1, 0, 0, 1, 0) < 1, "window larger than input");
    CHECK(simdpool_output_extent(2, 1, 1, 0, -2, 1, 0) < 1, "end padding below -stride");
}

static simdpool_status create(const simdpool_desc *d)
{
    simdpool_plan *plan = (simdpool_plan *)1;
    simdpool_status s = simdpool_plan_create(d, &plan);
    if (s != SIMDPOOL_OK) CHECK(plan == NULL, "a failed create must leave *plan NULL");
    simdpool_plan_destroy(s == SIMDPOOL_OK ? plan : NULL);
    return s;
}

static void validation(void)
{
    simdpool_desc good = desc2(SIMDPOOL_MAX, 8, 3, 2, 1, 0), d;
    CHECK(create(&good) == SIMDPOOL_OK, "a good problem");
#define BAD(field_change, expected)                                                      \
    do {                                                                                 \
        d = good;                                                                        \
        field_change;                                                                    \
        simdpool_status s_ = create(&d);                                                 \
        CHECK(s_ == (expected), "%s gave '%s', expected '%s'", #field_change,            \
              simdpool_status_message(s_), simdpool_status_message(expected));           \
    } while (0)
    BAD(d.alg = (simdpool_alg)7, SIMDPOOL_ERR_BAD_ALGORITHM);
    BAD(d.layout = (simdpool_layout)2, SIMDPOOL_ERR_BAD_LAYOUT);
    BAD(d.dims = 0, SIMDPOOL_ERR_BAD_DIMS);
    BAD(d.dims = 4, SIMDPOOL_ERR_BAD_DIMS);
    BAD(d.batch = 0, SIMDPOOL_ERR_BAD_SIZE);
    BAD(d.channels = -3, SIMDPOOL_ERR_BAD_SIZE);
    BAD(d.in[1] = 0, SIMDPOOL_ERR_BAD_SIZE);
    BAD(d.kernel[0] = 0, SIMDPOOL_ERR_BAD_KERNEL);
    BAD(d.stride[1] = 0, SIMDPOOL_ERR_BAD_STRIDE);
    BAD(d.dilation[0] = 0, SIMDPOOL_ERR_BAD_DILATION);
    BAD(d.pad_begin[0] = -1, SIMDPOOL_ERR_BAD_PADDING);
    BAD(d.pad_end[1] = -3, SIMDPOOL_ERR_BAD_PADDING);
    BAD(d.divisor_override = 4, SIMDPOOL_ERR_BAD_DIVISOR);
    BAD((d.alg = SIMDPOOL_AVG_INCLUDE_PAD, d.divisor_override = -1), SIMDPOOL_ERR_BAD_DIVISOR);
    BAD(d.kernel[0] = 20, SIMDPOOL_ERR_EMPTY_OUTPUT);
    BAD((d.batch = (int64_t)1 << 40, d.channels = (int64_t)1 << 40), SIMDPOOL_ERR_TOO_LARGE);
    BAD(d.in[0] = INT64_MAX, SIMDPOOL_ERR_TOO_LARGE);
    BAD((d.kernel[0] = INT64_MAX / 2, d.dilation[0] = 4), SIMDPOOL_ERR_TOO_LARGE);
    BAD(d.pad_end[0] = INT64_MAX, SIMDPOOL_ERR_TOO_LARGE);
    /* Entries past `dims` are ignored, whatever they hold. */
    BAD((d.dims = 1, d.kernel[1] = -5, d.in[2] = 0), SIMDPOOL_OK);
#undef BAD
    CHECK(simdpool_plan_create(NULL, NULL) == SIMDPOOL_ERR_NULL_POINTER, "NULL arguments");

    for (int s = 0; s <= SIMDPOOL_ERR_THREAD; s++) {
        const char *m = simdpool_status_message((simdpool_status)s);
        CHECK(m && *m && strcmp(m, "unknown status") != 0, "status %d has a message", s);
    }
    CHECK(strcmp(simdpool_status_message((simdpool_status)999), "unknown status") == 0,
          "an unknown status has a message too");
}

/* Entry points refuse bad arguments instead of running kernels on them. */
static void entry_points(simdpool_isa isa)
{
    simdpool_desc d = desc2(SIMDPOOL_MAX, 4, 2, 2, 0, 0);
    d.channels = 3;
    simdpool_plan *plan;
    simdpool_plan_create_for_isa(&d, isa, &plan);
    float src[48], dst[12], diff_src[48], diff_dst[12];
    int64_t idx[12];
    for (int i = 0; i < 48; i++) src[i] = (float)(i % 7);
    for (int i = 0; i < 12; i++) diff_dst[i] = 1;
    CHECK(simdpool_forward(plan, NULL, dst, NULL) == SIMDPOOL_ERR_NULL_POINTER, "NULL src");
    CHECK(simdpool_forward(NULL, src, dst, NULL) == SIMDPOOL_ERR_NULL_POINTER, "NULL plan");
    CHECK(simdpool_backward(plan, diff_dst, NULL, NULL, diff_src) == SIMDPOOL_ERR_NULL_POINTER,
          "max backward needs indices or src");
    int64_t items = simdpool_plan_work_items(plan, SIMDPOOL_FORWARD);
    CHECK(items >= 1, "work items");
    CHECK(simdpool_forward_range(plan, src, dst, idx, 0, items + 1) == SIMDPOOL_ERR_BAD_RANGE, "range past the end");
    CHECK(simdpool_forward_range(plan, src, dst, idx, -1, 1) == SIMDPOOL_ERR_BAD_RANGE, "negative range");
    CHECK(simdpool_forward_range(plan, src, dst, idx, 1, 0) == SIMDPOOL_ERR_BAD_RANGE, "reversed range");
    CHECK(simdpool_forward(plan, src, dst, idx) == SIMDPOOL_OK, "forward");

    /* Bad indices: out of the window, out of the plane, -1 for a window with taps. */
    int64_t bad[3] = {idx[0] == 0 ? 2 : 0, 16, -1};
    for (int b = 0; b < 3; b++) {
        int64_t corrupt[12];
        memcpy(corrupt, idx, sizeof corrupt);
        corrupt[5] = bad[b];
        simdpool_status s = simdpool_backward(plan, diff_dst, corrupt, NULL, diff_src);
        CHECK(s == SIMDPOOL_ERR_BAD_INDEX, "[%s] bad index %lld gave '%s'", simdpool_isa_name(isa),
              (long long)bad[b], simdpool_status_message(s));
    }
    simdpool_plan_destroy(plan);

    d.alg = SIMDPOOL_AVG_EXCLUDE_PAD;
    simdpool_plan_create_for_isa(&d, isa, &plan);
    CHECK(simdpool_forward(plan, src, dst, idx) == SIMDPOOL_ERR_NOT_SUPPORTED, "indices with average");
    CHECK(simdpool_plan_indices_elements(plan) == 0, "no indices for average");
    simdpool_plan_destroy(plan);
}

static void queries(void)
{
    simdpool_desc d;
    simdpool_desc_init(&d, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_LAST, 3);
    d.batch = 2;
    d.channels = 5;
    int64_t in[3] = {4, 6, 9};
    for (int i = 0; i < 3; i++) {
        d.in[i] = in[i];
        d.kernel[i] = 2;
        d.stride[i] = 2;
    }
    d.ceil_mode = 1;
    simdpool_plan *plan;
    CHECK(simdpool_plan_create(&d, &plan) == SIMDPOOL_OK, "3D plan");
    int64_t out[3];
    simdpool_plan_output_extents(plan, out);
    CHECK(out[0] == 2 && out[1] == 3 && out[2] == 5, "output extents %lld %lld %lld",
          (long long)out[0], (long long)out[1], (long long)out[2]);
    CHECK(simdpool_plan_src_elements(plan) == 2 * 5 * 4 * 6 * 9, "src elements");
    CHECK(simdpool_plan_dst_elements(plan) == 2 * 5 * 2 * 3 * 5, "dst elements");
    CHECK(simdpool_plan_indices_elements(plan) == 2 * 5 * 2 * 3 * 5, "indices elements");
    CHECK(simdpool_plan_desc(plan)->channels == 5, "desc copy");
    const char *name = simdpool_plan_kernel_name(plan, SIMDPOOL_FORWARD);
    CHECK(name && *name, "kernel name");
    simdpool_plan_destroy(plan);

    /* benchdnn's large_pool shapes: planned (64-bit sizes) without being run. */
    simdpool_desc_init(&d, SIMDPOOL_AVG_INCLUDE_PAD, SIMDPOOL_CHANNELS_LAST, 1);
    d.channels = 2;
    d.in[0] = 4294967311LL;
    d.kernel[0] = 3;
    d.stride[0] = 2;
    CHECK(simdpool_plan_create(&d, &plan) == SIMDPOOL_OK, "a 2^32-wide row");
    CHECK(simdpool_plan_src_elements(plan) == 2 * 4294967311LL, "src elements of the 2^32 row");
    CHECK(simdpool_plan_dst_elements(plan) == 2 * 2147483655LL, "dst elements of the 2^32 row");
    simdpool_plan_destroy(plan);

    simdpool_desc_init(&d, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_FIRST, 1);
    d.in[0] = 7;
    d.kernel[0] = 3;
    d.stride[0] = 3;
    simdpool_plan_create(&d, &plan);
    simdpool_plan_output_extents(plan, out);
    CHECK(out[0] == 2 && out[1] == 0 && out[2] == 0, "1D extents are outermost-first, the rest 0");
    simdpool_plan_destroy(plan);
}

int main(void)
{
    output_sizes();
    validation();
    queries();
    unsigned runnable = simdpool_isas_runnable();
    for (int isa = 0; isa < SIMDPOOL_ISA_COUNT; isa++) {
        if (!(runnable & (1u << isa))) {
            printf("test_reference: skipping %s: not compiled in or not runnable on this CPU\n",
                   simdpool_isa_name((simdpool_isa)isa));
            continue;
        }
        examples((simdpool_isa)isa);
        entry_points((simdpool_isa)isa);
    }
    printf("test_reference: %d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}
