/*
 * `simdpool run`: one pooling problem, checked against the scalar reference
 * and optionally timed. Data comes from .npy files or from a seeded generator.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "harness.h"
#include "npy.h"
#include "options.h"

#define ERRLEN 512

static void run_usage(FILE *to)
{
    fprintf(to,
"usage: simdpool run [options] [BENCHDNN_DESCRIPTOR]\n"
"  --alg max|avg_p|avg_np   (avg = avg_p)           --dir fwd|bwd\n"
"  --layout nchw|nhwc       (also for 1D and 3D)    --isa auto|scalar|avx2|avx512|neon\n"
"problem, PyTorch-style (a list has one value per spatial dim, or one for all):\n"
"  --shape N,C,[D,][H,]W  --kernel K  --stride S (= kernel)  --pad P  --pad-end PE (= pad)\n"
"  --dilation D (1 = dense)  --ceil-mode  --divisor N\n"
"or a oneDNN benchdnn descriptor, e.g. mb2ic16_ih32oh16_kh3sh2ph1 (--mb N overrides mb)\n"
"data (.npy, float32; int64 indices; shaped in the layout's memory order, e.g. N,H,W,C):\n"
"  forward:  --input FILE  --output FILE  --indices FILE (max)\n"
"  backward: --diff-dst FILE  --diff-src FILE  --indices FILE | --input FILE (max)\n"
"  --seed N  random data when no file is given (default 1)\n"
"  --verify / --no-verify   compare with the scalar reference (default on)\n"
"  --bench                  time it: median, GB/s, streaming ceiling, speedup over scalar\n"
"  --threads N (0 = all CPUs, default 1)  --min-time SECONDS (default 0.2)\n"
"exit status: 0 ok, 1 verification failed, 2 bad command line or problem\n");
}

static int fail2(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "simdpool run: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 2;
}

static int single_bit(unsigned set, int dflt, const char *what, int *out)
{
    if (!set) {
        *out = dflt;
        return 0;
    }
    if (set & (set - 1)) return fail2("--%s: give one value to run (lists are for bench files)",
                                      what);
    for (int i = 0; i < 32; i++)
        if (set == 1u << i) *out = i;
    return 0;
}

/* The memory-order shape of src (which = 0) or dst (which = 1). */
static int tensor_shape(const simdpool_desc *d, const int64_t *spatial, int64_t *shape)
{
    int n = 0;
    shape[n++] = d->batch;
    if (d->layout == SIMDPOOL_CHANNELS_FIRST) shape[n++] = d->channels;
    for (int i = 0; i < d->dims; i++) shape[n++] = spatial[i];
    if (d->layout == SIMDPOOL_CHANNELS_LAST) shape[n++] = d->channels;
    return n;
}

static const char *tensor_axes(const simdpool_desc *d)
{
    static const char *const first[] = {"(N, C, W)", "(N, C, H, W)", "(N, C, D, H, W)"};
    static const char *const last[] = {"(N, W, C)", "(N, H, W, C)", "(N, D, H, W, C)"};
    return d->layout == SIMDPOOL_CHANNELS_LAST ? last[d->dims - 1] : first[d->dims - 1];
}

static void *keep(void *p);

/* Loads a file and checks its shape; 0 or exit status 2 (message printed). */
static int load(const char *opt, const char *path, npy_type type, const simdpool_desc *d,
                const char *tensor, int ndim, const int64_t *shape, void **data)
{
    npy_array a;
    char err[ERRLEN], s1[160], s2[160];
    if (npy_read(path, type, &a, err, sizeof err)) return fail2("--%s %s", opt, err);
    int same = a.ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = a.shape[i] == shape[i];
    if (!same) {
        free(a.data);
        return fail2("--%s %s: shape %s does not match the problem's %s %s = %s", opt, path,
                     npy_shape_str(a.ndim, a.shape, s1, sizeof s1), tensor, tensor_axes(d),
                     npy_shape_str(ndim, shape, s2, sizeof s2));
    }
    *data = keep(a.data);
    return 0;
}

static int save(const char *opt, const char *path, npy_type type, int ndim,
                const int64_t *shape, const void *data)
{
    char err[ERRLEN];
    if (npy_write(path, type, ndim, shape, data, err, sizeof err)) return fail2("--%s %s", opt,
                                                                               err);
    return 0;
}

/* "n=0 c=3 h=2 w=5" for element i of a tensor with the given spatial extents. */
static void element_name(const simdpool_desc *d, const int64_t *spatial, int64_t i, char *buf,
                         size_t len)
{
    int64_t plane = 1;
    for (int k = 0; k < d->dims; k++) plane *= spatial[k];
    int64_t n, c, p;
    if (d->layout == SIMDPOOL_CHANNELS_FIRST) {
        p = i % plane;
        c = (i / plane) % d->channels;
        n = i / plane / d->channels;
    } else {
        c = i % d->channels;
        p = (i / d->channels) % plane;
        n = i / d->channels / plane;
    }
    static const char *const names3[] = {"d", "h", "w"};
    size_t used = (size_t)snprintf(buf, len, "n=%lld c=%lld", (long long)n, (long long)c);
    int64_t coord[3];
    for (int k = d->dims - 1; k >= 0; k--) {
        coord[k] = p % spatial[k];
        p /= spatial[k];
    }
    for (int k = 0; k < d->dims && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, " %s=%lld", names3[3 - d->dims + k],
                                 (long long)coord[k]);
}

static const char *fmt_bytes(double b, char *buf, size_t len)
{
    if (b >= 1e9) snprintf(buf, len, "%.2f GB", b / 1e9);
    else if (b >= 1e6) snprintf(buf, len, "%.2f MB", b / 1e6);
    else if (b >= 1e3) snprintf(buf, len, "%.1f kB", b / 1e3);
    else snprintf(buf, len, "%.0f B", b);
    return buf;
}

static const char *fmt_time(double t, char *buf, size_t len)
{
    if (t >= 1) snprintf(buf, len, "%8.3f s ", t);
    else if (t >= 1e-3) snprintf(buf, len, "%8.3f ms", t * 1e3);
    else snprintf(buf, len, "%8.3f us", t * 1e6);
    return buf;
}

/* Everything run_main allocates is kept here and freed by cmd_run on every
 * way out, error returns included (the sanitizer build checks for leaks). */
static void *kept[64];
static int nkept;
static simdpool_plan *kept_plans[2];

static void *keep(void *p)
{
    if (p && nkept < (int)(sizeof kept / sizeof *kept)) kept[nkept++] = p;
    return p;
}

static void release(void *p)
{
    for (int i = 0; i < nkept; i++)
        if (kept[i] == p) {
            kept[i] = kept[--nkept];
            break;
        }
    free(p);
}

static void release_all(void)
{
    while (nkept) free(kept[--nkept]);
    for (int i = 0; i < 2; i++) {
        simdpool_plan_destroy(kept_plans[i]);
        kept_plans[i] = NULL;
    }
}

static void *xmalloc(size_t bytes)
{
    void *p = tool_alloc(bytes);
    if (!p) {
        fprintf(stderr, "simdpool run: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return keep(p);
}

static void print_cmp(const char *what, const tool_cmp *r, int exact, const simdpool_desc *d,
                      const int64_t *spatial)
{
    if (!r->mismatches) {
        if (exact) printf("  %-9s max abs error 0: equal (bitwise) in all %lld elements\n", what,
                          (long long)r->count);
        else printf("  %-9s max abs error %.3g (%.2g of the tolerance) over %lld elements\n",
                    what, r->max_abs_err, r->max_tol_frac, (long long)r->count);
        return;
    }
    char where[128];
    element_name(d, spatial, r->first, where, sizeof where);
    printf("  %-9s MISMATCH in %lld of %lld elements; max abs error %.3g; first at %s "
           "(element %lld): got %.9g, reference %.9g\n",
           what, (long long)r->mismatches, (long long)r->count, r->max_abs_err, where,
           (long long)r->first, r->got, r->want);
}

static int run_main(int argc, char **argv)
{
    tool_opts o;
    tool_opts_init(&o);
    char err[ERRLEN];
    if (tool_opts_parse(&o, argc, argv, 1, err, sizeof err)) {
        if (!strcmp(err, "help")) {
            run_usage(stdout);
            return 0;
        }
        return fail2("%s (see simdpool run --help)", err);
    }
    int alg = 0, dir = 0, layout = 0;
    if (single_bit(o.algs, SIMDPOOL_MAX, "alg", &alg) ||
        single_bit(o.dirs, SIMDPOOL_FORWARD, "dir", &dir) ||
        single_bit(o.layouts, SIMDPOOL_CHANNELS_FIRST, "layout", &layout))
        return 2;
    const int fwd = dir == SIMDPOOL_FORWARD;
    const int is_max = alg == SIMDPOOL_MAX;
    if (fwd && o.diff_dst) return fail2("--diff-dst applies to --dir bwd");
    if (fwd && o.diff_src) return fail2("--diff-src applies to --dir bwd");
    if (!fwd && o.output) return fail2("--output applies to --dir fwd (backward writes --diff-src)");
    if (!is_max && o.indices) return fail2("--indices applies to --alg max");

    /* Without --shape or a descriptor, the forward input file gives the shape. */
    npy_array guess = {0};
    if (!o.descriptor && !o.shape.n && o.input) {
        if (npy_read(o.input, NPY_F32, &guess, err, sizeof err)) return fail2("--input %s", err);
        if (guess.ndim < 3 || guess.ndim > 5)
            return fail2("--input %s: %d axes; a pooling input has 3 to 5", o.input, guess.ndim);
        o.shape.n = guess.ndim;
        o.shape.v[0] = guess.shape[0];
        if (layout == SIMDPOOL_CHANNELS_FIRST) {
            for (int i = 1; i < guess.ndim; i++) o.shape.v[i] = guess.shape[i];
        } else {
            o.shape.v[1] = guess.shape[guess.ndim - 1];
            for (int i = 1; i < guess.ndim - 1; i++) o.shape.v[i + 1] = guess.shape[i];
        }
        free(guess.data);
    }

    simdpool_desc d;
    char dname[128];
    if (tool_opts_desc(&o, (simdpool_alg)alg, (simdpool_layout)layout, &d, dname, sizeof dname,
                       err, sizeof err))
        return fail2("%s", err);

    simdpool_plan *plan = NULL, *ref = NULL;
    simdpool_status st = simdpool_plan_create_for_isa(&d, o.isa, &plan);
    kept_plans[0] = plan;
    if (st != SIMDPOOL_OK) {
        const char *env = getenv("SIMDPOOL_ISA");
        if ((st == SIMDPOOL_ERR_UNKNOWN_ISA || st == SIMDPOOL_ERR_ISA_UNAVAILABLE) &&
            o.isa == SIMDPOOL_ISA_AUTO && env)
            return fail2("SIMDPOOL_ISA=%s: %s", env, simdpool_status_message(st));
        if (st == SIMDPOOL_ERR_ISA_UNAVAILABLE)
            return fail2("--isa %s: %s", simdpool_isa_name(o.isa), simdpool_status_message(st));
        return fail2("bad problem: %s", simdpool_status_message(st));
    }
    st = simdpool_plan_create_for_isa(&d, SIMDPOOL_ISA_SCALAR, &ref);
    kept_plans[1] = ref;
    if (st != SIMDPOOL_OK) return fail2("bad problem: %s", simdpool_status_message(st));

    int64_t out_sp[SIMDPOOL_MAX_DIMS];
    simdpool_plan_output_extents(plan, out_sp);
    int64_t src_shape[6], dst_shape[6];
    int src_nd = tensor_shape(&d, d.in, src_shape);
    int dst_nd = tensor_shape(&d, out_sp, dst_shape);
    int64_t nsrc = simdpool_plan_src_elements(plan), ndst = simdpool_plan_dst_elements(plan);

    char line[1024], sh[160];
    tool_desc_cmdline(&d, (simdpool_direction)dir, line, sizeof line);
    printf("problem: %s%s%s%s\n", line, dname[0] ? "  (" : "", dname, dname[0] ? ")" : "");
    printf("  src %s %s -> dst %s\n", tensor_axes(&d), npy_shape_str(src_nd, src_shape, sh,
                                                                    sizeof sh),
           npy_shape_str(dst_nd, dst_shape, line, sizeof line));
    printf("kernel: %s (isa %s); reference %s\n",
           simdpool_plan_kernel_name(plan, (simdpool_direction)dir),
           simdpool_isa_name(simdpool_plan_isa(plan, (simdpool_direction)dir)),
           simdpool_plan_kernel_name(ref, (simdpool_direction)dir));

    /* ---- data ---- */
    float *src = NULL, *dst = NULL, *diff_dst = NULL, *diff_src = NULL;
    int64_t *indices = NULL;
    const int64_t *bwd_idx = NULL;
    int rc = 0;
    int need_src = fwd || (is_max && !o.indices) || o.input;
    if (need_src) {
        if (o.input) {
            if ((rc = load("input", o.input, NPY_F32, &d, "src", src_nd, src_shape,
                           (void **)&src)))
                return rc;
        } else {
            src = xmalloc((size_t)nsrc * sizeof(float));
            tool_fill_random(src, nsrc, o.seed);
        }
    }
    if (fwd) {
        dst = xmalloc((size_t)ndst * sizeof(float));
        if (is_max) indices = xmalloc((size_t)ndst * sizeof(int64_t));
    } else {
        if (o.diff_dst) {
            if ((rc = load("diff-dst", o.diff_dst, NPY_F32, &d, "diff_dst", dst_nd, dst_shape,
                           (void **)&diff_dst)))
                return rc;
        } else {
            diff_dst = xmalloc((size_t)ndst * sizeof(float));
            tool_fill_random(diff_dst, ndst, o.seed + 0x5bd1e995u);
        }
        if (is_max && o.indices) {
            int64_t *idx;
            if ((rc = load("indices", o.indices, NPY_I64, &d, "indices", dst_nd, dst_shape,
                           (void **)&idx)))
                return rc;
            bwd_idx = idx;
        }
        diff_src = xmalloc((size_t)nsrc * sizeof(float));
    }
    if (!(o.input && (fwd || o.diff_dst)))
        printf("  random data from --seed %llu\n", (unsigned long long)o.seed);
    if (!fwd && is_max)
        printf("  backward %s\n", bwd_idx ? "from the given indices"
                                          : o.input ? "recomputing indices from --input"
                                                    : "recomputing indices from random input");

    /* ---- run ---- */
    tool_call c = {.plan = plan, .dir = (simdpool_direction)dir, .src = src, .diff_dst = diff_dst,
                 .dst = dst, .diff_src = diff_src, .fwd_idx = indices, .bwd_idx = bwd_idx,
                 .threads = o.threads};
    tool_call_plan(&c);
    if (c.status != SIMDPOOL_OK) return fail2("%s", simdpool_status_message(c.status));

    /* ---- verify ---- */
    int failed = 0;
    double largest = 0;
    int64_t idx_bad = 0;
    if (o.verify) {
        int64_t taps = 1;
        for (int i = 0; i < d.dims; i++) taps *= d.kernel[i];
        tool_cmp r;
        if (fwd) {
            float *rdst = xmalloc((size_t)ndst * sizeof(float));
            int64_t *ridx = is_max ? xmalloc((size_t)ndst * sizeof(int64_t)) : NULL;
            st = simdpool_forward(ref, src, rdst, ridx);
            if (st != SIMDPOOL_OK) return fail2("reference: %s", simdpool_status_message(st));
            printf("verify: %s vs %s\n", simdpool_plan_kernel_name(plan, SIMDPOOL_FORWARD),
                   simdpool_plan_kernel_name(ref, SIMDPOOL_FORWARD));
            if (is_max) {
                tool_compare_exact_f32(dst, rdst, ndst, &r);
                print_cmp("dst", &r, 1, &d, out_sp);
                failed |= r.mismatches != 0;
                if (r.max_abs_err > largest) largest = r.max_abs_err;
                tool_compare_exact_i64(indices, ridx, ndst, &r);
                print_cmp("indices", &r, 1, &d, out_sp);
                failed |= r.mismatches != 0;
                idx_bad = r.mismatches;
            } else {
                /* The tolerance's scale: the reference on |x| is sum|x| / divisor. */
                float *abs_src = xmalloc((size_t)nsrc * sizeof(float));
                float *scale = xmalloc((size_t)ndst * sizeof(float));
                for (int64_t i = 0; i < nsrc; i++) abs_src[i] = fabsf(src[i]);
                simdpool_forward(ref, abs_src, scale, NULL);
                tool_compare_tol_f32(dst, rdst, scale, (double)taps, ndst, &r);
                print_cmp("dst", &r, 0, &d, out_sp);
                failed |= r.mismatches != 0;
                if (r.max_abs_err > largest) largest = r.max_abs_err;
                release(abs_src);
                release(scale);
            }
            release(rdst);
            release(ridx);
        } else {
            float *rds = xmalloc((size_t)nsrc * sizeof(float));
            st = simdpool_backward(ref, diff_dst, bwd_idx, src, rds);
            if (st != SIMDPOOL_OK) return fail2("reference: %s", simdpool_status_message(st));
            /* Sums of contributions in any order: the scale is the same backward
             * pass on |diff_dst|; a diff_src element gets at most `taps` of them. */
            float *abs_dd = xmalloc((size_t)ndst * sizeof(float));
            float *scale = xmalloc((size_t)nsrc * sizeof(float));
            for (int64_t i = 0; i < ndst; i++) abs_dd[i] = fabsf(diff_dst[i]);
            simdpool_backward(ref, abs_dd, bwd_idx, src, scale);
            printf("verify: %s vs %s\n", simdpool_plan_kernel_name(plan, SIMDPOOL_BACKWARD),
                   simdpool_plan_kernel_name(ref, SIMDPOOL_BACKWARD));
            tool_compare_tol_f32(diff_src, rds, scale, (double)taps, nsrc, &r);
            print_cmp("diff_src", &r, 0, &d, d.in);
            failed |= r.mismatches != 0;
            if (r.max_abs_err > largest) largest = r.max_abs_err;
            release(rds);
            release(abs_dd);
            release(scale);
        }
        if (idx_bad)
            printf("verify: FAILED, largest value error %.3g, %lld indices differ\n", largest,
                   (long long)idx_bad);
        else
            printf("verify: %s, largest error %.3g\n", failed ? "FAILED" : "ok", largest);
    }

    /* ---- outputs ---- */
    if (fwd && o.output && (rc = save("output", o.output, NPY_F32, dst_nd, dst_shape, dst)))
        return rc;
    if (fwd && is_max && o.indices &&
        (rc = save("indices", o.indices, NPY_I64, dst_nd, dst_shape, indices)))
        return rc;
    if (!fwd && o.diff_src &&
        (rc = save("diff-src", o.diff_src, NPY_F32, src_nd, src_shape, diff_src)))
        return rc;

    /* ---- bench ---- */
    if (o.bench) {
        /* Forward max is timed writing indices only when they are asked for
         * (--indices FILE): with them it is the training pass, without the
         * inference pass. */
        int with_idx = fwd ? (is_max && o.indices) : is_max && bwd_idx;
        if (fwd && !with_idx) c.fwd_idx = NULL;
        int64_t rb, wb;
        tool_stream_bytes(plan, (simdpool_direction)dir, with_idx || (!fwd && is_max), &rb, &wb);
        if (!fwd && is_max && !bwd_idx) {
            /* Recomputing reads src instead of indices. */
            rb = ndst * (int64_t)sizeof(float) + nsrc * (int64_t)sizeof(float);
        }
        double t = tool_time(tool_call_plan, &c, o.min_time, 1000);
        tool_call rc2 = c;
        rc2.plan = ref;
        /* The scalar reference is slow on big problems: fewer repetitions. */
        double tref = tool_time(tool_call_plan, &rc2, o.min_time / 2, 15);
        void *sin = xmalloc((size_t)rb), *sout = xmalloc((size_t)wb);
        memset(sin, 1, (size_t)rb);
        memset(sout, 0, (size_t)wb); /* map the pages before timing */
        tool_call sc = {.stream_in = sin, .stream_out = sout, .in_bytes = (size_t)rb, .out_bytes = (size_t)wb,
                      .threads = o.threads};
        double tc = tool_time_ceiling(&sc, o.min_time);
        double bytes = (double)(rb + wb);
        int nthr = o.threads ? o.threads : tool_online_cpus();
        char b1[32], b2[32], tt[32];
        printf("bench: %d thread%s, %s%s read + %s written per call\n", nthr,
               nthr == 1 ? "" : "s", with_idx && fwd ? "with indices, " : "",
               fmt_bytes((double)rb, b1, sizeof b1), fmt_bytes((double)wb, b2, sizeof b2));
        printf("  %-34s median %s  %7.2f GB/s  %5.2f of ceiling  speedup over scalar %.2fx\n",
               simdpool_plan_kernel_name(plan, (simdpool_direction)dir),
               fmt_time(t, tt, sizeof tt), bytes / t / 1e9, tc / t, tref / t);
        printf("  %-34s median %s  %7.2f GB/s  %5.2f of ceiling\n",
               simdpool_plan_kernel_name(ref, (simdpool_direction)dir),
               fmt_time(tref, tt, sizeof tt), bytes / tref / 1e9, tc / tref);
        char cname[64];
        snprintf(cname, sizeof cname, "streaming ceiling (%s loop%s)", tool_stream_isa(),
                 sc.nontemporal ? ", non-temporal stores" : "");
        printf("  %-34s median %s  %7.2f GB/s\n", cname, fmt_time(tc, tt, sizeof tt),
               bytes / tc / 1e9);
        release(sin);
        release(sout);
        if (c.status != SIMDPOOL_OK) return fail2("%s", simdpool_status_message(c.status));
    }

    if (failed) {
        fprintf(stderr, "simdpool run: verification failed against the scalar reference\n");
        return 1;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    int rc = run_main(argc, argv);
    release_all();
    return rc;
}
