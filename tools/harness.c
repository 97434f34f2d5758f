/* Shared driver/benchmark helpers; see harness.h. */
#include "harness.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_X86_STREAM 1
#endif

void *tool_alloc(size_t bytes)
{
    size_t rounded = (bytes + 63) / 64 * 64; /* aligned_alloc wants a multiple */
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (p) memset(p, 0, rounded ? rounded : 64);
    return p;
}

void tool_call_plan(void *arg)
{
    tool_call *c = arg;
    simdpool_status s;
    if (c->dir == SIMDPOOL_FORWARD)
        s = c->threads == 1 ? simdpool_forward(c->plan, c->src, c->dst, c->fwd_idx)
                            : simdpool_forward_threaded(c->plan, c->src, c->dst, c->fwd_idx,
                                                        c->threads);
    else
        s = c->threads == 1
                ? simdpool_backward(c->plan, c->diff_dst, c->bwd_idx, c->src, c->diff_src)
                : simdpool_backward_threaded(c->plan, c->diff_dst, c->bwd_idx, c->src,
                                             c->diff_src, c->threads);
    if (s != SIMDPOOL_OK) c->status = s;
}

void tool_call_stream(void *arg)
{
    tool_call *c = arg;
    tool_stream(c->stream_in, c->in_bytes, c->stream_out, c->out_bytes, c->threads,
                c->nontemporal);
}

double tool_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tool_fill_random(float *x, int64_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    for (int64_t i = 0; i < n; i++) {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        /* 24 random bits: exact floats in [-1, 1). */
        x[i] = (float)((int64_t)(z >> 40) - (1 << 23)) * (1.0f / (1 << 23));
    }
}

void tool_stream_bytes(const simdpool_plan *plan, simdpool_direction dir, int with_indices,
                       int64_t *read_bytes, int64_t *write_bytes)
{
    int64_t src = simdpool_plan_src_elements(plan) * (int64_t)sizeof(float);
    int64_t dst = simdpool_plan_dst_elements(plan) * (int64_t)sizeof(float);
    int64_t idx = with_indices ? simdpool_plan_indices_elements(plan) * (int64_t)sizeof(int64_t)
                               : 0;
    if (dir == SIMDPOOL_FORWARD) {
        *read_bytes = src;
        *write_bytes = dst + idx;
    } else {
        *read_bytes = dst + idx;
        *write_bytes = src;
    }
}

int tool_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

/* ---- the streaming loop ------------------------------------------------ */

/* One block: load in[0, ib) and store out[0, ob), both multiples of 64 bytes;
 * returns an OR of what was read so the loads cannot be dropped. */
typedef uint64_t (*block_fn)(const unsigned char *in, size_t ib, unsigned char *out, size_t ob,
                             uint64_t acc);

static uint64_t block_generic(const unsigned char *in, size_t ib, unsigned char *out, size_t ob,
                              uint64_t acc)
{
    uint64_t a = acc, b = 0;
    for (size_t i = 0; i < ib; i += 16) {
        uint64_t x, y;
        memcpy(&x, in + i, 8);
        memcpy(&y, in + i + 8, 8);
        a |= x;
        b |= y;
    }
    for (size_t i = 0; i < ob; i += 16) {
        memcpy(out + i, &a, 8);
        memcpy(out + i + 8, &b, 8);
    }
    return a | b;
}

#ifdef HAVE_X86_STREAM
/* `nontemporal`, a constant in each caller: stream the stores past the
 * caches, which is faster once the output no longer fits them (no read of
 * each output line before it is written). */
__attribute__((target("avx2"))) static inline uint64_t
stream_avx2(const unsigned char *in, size_t ib, unsigned char *out, size_t ob, uint64_t acc,
            const int nontemporal)
{
    __m256i a = _mm256_set1_epi64x((long long)acc), b = _mm256_setzero_si256();
    for (size_t i = 0; i < ib; i += 64) {
        a = _mm256_or_si256(a, _mm256_loadu_si256((const __m256i *)(in + i)));
        b = _mm256_or_si256(b, _mm256_loadu_si256((const __m256i *)(in + i + 32)));
    }
    for (size_t i = 0; i < ob; i += 64) {
        if (nontemporal) {
            _mm256_stream_si256((__m256i *)(out + i), a);
            _mm256_stream_si256((__m256i *)(out + i + 32), b);
        } else {
            _mm256_storeu_si256((__m256i *)(out + i), a);
            _mm256_storeu_si256((__m256i *)(out + i + 32), b);
        }
    }
    a = _mm256_or_si256(a, b);
    return (uint64_t)_mm256_extract_epi64(a, 0) | (uint64_t)_mm256_extract_epi64(a, 3);
}

__attribute__((target("avx512f"))) static inline uint64_t
stream_avx512(const unsigned char *in, size_t ib, unsigned char *out, size_t ob, uint64_t acc,
              const int nontemporal)
{
    __m512i a = _mm512_set1_epi64((long long)acc), b = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= ib; i += 128) {
        a = _mm512_or_si512(a, _mm512_loadu_si512(in + i));
        b = _mm512_or_si512(b, _mm512_loadu_si512(in + i + 64));
    }
    if (i < ib) a = _mm512_or_si512(a, _mm512_loadu_si512(in + i));
    for (i = 0; i < ob; i += 64) {
        __m512i v = i % 128 ? b : a;
        if (nontemporal)
            _mm512_stream_si512((__m512i *)(out + i), v);
        else
            _mm512_storeu_si512(out + i, v);
    }
    a = _mm512_or_si512(a, b);
    return (uint64_t)_mm512_reduce_or_epi64(a);
}

__attribute__((target("avx2"))) static uint64_t block_avx2(const unsigned char *in, size_t ib,
                                                           unsigned char *out, size_t ob,
                                                           uint64_t acc)
{
    return stream_avx2(in, ib, out, ob, acc, 0);
}
__attribute__((target("avx2"))) static uint64_t block_avx2_nt(const unsigned char *in, size_t ib,
                                                              unsigned char *out, size_t ob,
                                                              uint64_t acc)
{
    return stream_avx2(in, ib, out, ob, acc, 1);
}
__attribute__((target("avx512f"))) static uint64_t block_avx512(const unsigned char *in,
                                                                size_t ib, unsigned char *out,
                                                                size_t ob, uint64_t acc)
{
    return stream_avx512(in, ib, out, ob, acc, 0);
}
__attribute__((target("avx512f"))) static uint64_t block_avx512_nt(const unsigned char *in,
                                                                   size_t ib, unsigned char *out,
                                                                   size_t ob, uint64_t acc)
{
    return stream_avx512(in, ib, out, ob, acc, 1);
}
#endif

static block_fn stream_block, stream_block_nt; /* stream_block_nt: NULL if none */
static const char *stream_name;
static pthread_once_t stream_once = PTHREAD_ONCE_INIT;

static void choose_stream(void)
{
    stream_block = block_generic;
    stream_block_nt = NULL;
    stream_name = "generic";
#ifdef HAVE_X86_STREAM
    unsigned runnable = simdpool_isas_runnable();
    /* The library's CPU check covers the OS state (XCR0) as well as cpuid. */
    if (runnable & (1u << SIMDPOOL_ISA_AVX512)) {
        stream_block = block_avx512;
        stream_block_nt = block_avx512_nt;
        stream_name = "avx512";
    } else if (runnable & (1u << SIMDPOOL_ISA_AVX2)) {
        stream_block = block_avx2;
        stream_block_nt = block_avx2_nt;
        stream_name = "avx2";
    } else {
        stream_name = "sse2";
    }
#endif
}

const char *tool_stream_isa(void)
{
    pthread_once(&stream_once, choose_stream);
    return stream_name;
}

static volatile uint64_t stream_sink;

int tool_stream_has_nontemporal(void)
{
    pthread_once(&stream_once, choose_stream);
    return stream_block_nt != NULL;
}

static void stream_one(const unsigned char *in, size_t ib, unsigned char *out, size_t ob,
                       int nontemporal)
{
    /* Non-temporal stores need aligned lines; the blocks below start on
     * 64-byte offsets, so the base decides. */
    block_fn block = nontemporal && stream_block_nt && (uintptr_t)out % 64 == 0 ? stream_block_nt
                                                                              : stream_block;
    /* Interleave like a copy: blocks of about 4 KiB of the larger side. */
    size_t big = ib > ob ? ib : ob;
    size_t blocks = (big + 4095) / 4096;
    if (!blocks) return;
    uint64_t acc = 0;
    size_t ip = 0, op = 0;
    for (size_t j = 1; j <= blocks; j++) {
        size_t ie = ib / 64 * j / blocks * 64, oe = ob / 64 * j / blocks * 64;
        acc = block(in + ip, ie - ip, out + op, oe - op, acc);
        ip = ie;
        op = oe;
    }
    /* Tails below 64 bytes. */
    for (; ip < ib; ip++) acc += in[ip];
    for (; op < ob; op++) out[op] = (unsigned char)acc;
#ifdef HAVE_X86_STREAM
    if (block != stream_block) _mm_sfence(); /* the streamed lines are written by now */
#endif
    stream_sink = acc;
}

typedef struct {
    const unsigned char *in;
    size_t ib;
    unsigned char *out;
    size_t ob;
    int nontemporal;
} stream_job;

static void *stream_thread(void *arg)
{
    stream_job *j = arg;
    stream_one(j->in, j->ib, j->out, j->ob, j->nontemporal);
    return NULL;
}

void tool_stream(const void *in, size_t in_bytes, void *out, size_t out_bytes, int threads,
                 int nontemporal)
{
    pthread_once(&stream_once, choose_stream);
    if (threads == 0) threads = tool_online_cpus();
    if (threads <= 1) {
        stream_one(in, in_bytes, out, out_bytes, nontemporal);
        return;
    }
    if (threads > 256) threads = 256;
    stream_job jobs[256];
    pthread_t tid[256];
    int started[256] = {0};
    for (int t = 0; t < threads; t++) {
        /* Shares on 64-byte boundaries. */
        size_t i0 = in_bytes / 64 * (size_t)t / (size_t)threads * 64;
        size_t i1 = t == threads - 1 ? in_bytes : in_bytes / 64 * (size_t)(t + 1) / (size_t)threads * 64;
        size_t o0 = out_bytes / 64 * (size_t)t / (size_t)threads * 64;
        size_t o1 = t == threads - 1 ? out_bytes
                                     : out_bytes / 64 * (size_t)(t + 1) / (size_t)threads * 64;
        jobs[t] = (stream_job){(const unsigned char *)in + i0, i1 - i0,
                               (unsigned char *)out + o0, o1 - o0, nontemporal};
    }
    for (int t = 1; t < threads; t++)
        started[t] = pthread_create(&tid[t], NULL, stream_thread, &jobs[t]) == 0;
    stream_thread(&jobs[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else stream_thread(&jobs[t]);
    }
}

/* ---- timing --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double tool_time(void (*fn)(void *), void *ctx, double min_time, int max_samples)
{
    if (max_samples < 1) max_samples = 1;
    double t0 = tool_now();
    fn(ctx); /* warm-up: caches, branch history, lazily mapped pages */
    double first = tool_now() - t0;
    if (first >= min_time) {
        /* A slow call. A caller allowing few samples (the scalar reference on
         * big problems, buffers already touched) takes the warm-up as it is;
         * otherwise the best of one or two measured calls. */
        if (max_samples <= 7 && first >= 2 * min_time) return first;
        double best = INFINITY;
        for (int i = 0; i < (first < 0.5 ? 2 : 1); i++) {
            t0 = tool_now();
            fn(ctx);
            double t = tool_now() - t0;
            if (t < best) best = t;
        }
        return best;
    }
    /* Batch short calls so that a sample lasts at least ~50 us. */
    int inner = first > 0 ? (int)(50e-6 / first) + 1 : 1000;
    if (inner > 100000) inner = 100000;
    int cap = max_samples < 1000 ? max_samples : 1000;
    double *samples = malloc(sizeof(double) * (size_t)cap);
    if (!samples) return first;
    int n = 0;
    double start = tool_now();
    while (n < cap && (n < 3 || tool_now() - start < min_time)) {
        double s = tool_now();
        for (int i = 0; i < inner; i++) fn(ctx);
        samples[n++] = (tool_now() - s) / inner;
    }
    qsort(samples, (size_t)n, sizeof(double), cmp_double);
    double median = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
    free(samples);
    return median;
}

double tool_time_ceiling(tool_call *stream, double min_time)
{
    stream->nontemporal = 0;
    double plain = tool_time(tool_call_stream, stream, min_time, 1000);
    if (!tool_stream_has_nontemporal()) return plain;
    stream->nontemporal = 1;
    double nt = tool_time(tool_call_stream, stream, min_time, 1000);
    if (nt < plain) return nt;
    stream->nontemporal = 0;
    return plain;
}

/* ---- comparison ---------------------------------------------------------- */

static void cmp_init(tool_cmp *r, int64_t n)
{
    memset(r, 0, sizeof *r);
    r->count = n;
    r->first = -1;
}

static void cmp_bad(tool_cmp *r, int64_t i, double got, double want)
{
    if (r->first < 0) {
        r->first = i;
        r->got = got;
        r->want = want;
    }
    r->mismatches++;
}

void tool_compare_exact_f32(const float *got, const float *want, int64_t n, tool_cmp *r)
{
    cmp_init(r, n);
    for (int64_t i = 0; i < n; i++) {
        float g = got[i], w = want[i];
        if (isnan(g) && isnan(w)) continue;
        if (memcmp(&g, &w, sizeof g) == 0) continue;
        if (isfinite(g) && isfinite(w)) {
            double e = fabs((double)g - (double)w);
            if (e > r->max_abs_err) r->max_abs_err = e;
        } else {
            r->max_abs_err = INFINITY;
        }
        r->max_tol_frac = INFINITY;
        cmp_bad(r, i, g, w);
    }
}

void tool_compare_exact_i64(const int64_t *got, const int64_t *want, int64_t n, tool_cmp *r)
{
    cmp_init(r, n);
    for (int64_t i = 0; i < n; i++) {
        if (got[i] == want[i]) continue;
        double e = fabs((double)got[i] - (double)want[i]);
        if (e > r->max_abs_err) r->max_abs_err = e;
        r->max_tol_frac = INFINITY;
        cmp_bad(r, i, (double)got[i], (double)want[i]);
    }
}

void tool_compare_tol_f32(const float *got, const float *want, const float *scale, double taps,
                          int64_t n, tool_cmp *r)
{
    cmp_init(r, n);
    for (int64_t i = 0; i < n; i++) {
        float g = got[i], w = want[i];
        if (g == w || (isnan(g) && isnan(w))) continue;
        double e = fabs((double)g - (double)w);
        double tol = 4.0 * taps * FLT_EPSILON * fabs((double)scale[i]);
        if (isnan(e)) e = INFINITY;
        if (e > r->max_abs_err) r->max_abs_err = e;
        double frac = tol > 0 ? e / tol : (e > 0 ? INFINITY : 0);
        if (frac > r->max_tol_frac) r->max_tol_frac = frac;
        if (!(e <= tol)) cmp_bad(r, i, g, w);
    }
}
