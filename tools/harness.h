/*
 * What the driver and the benchmark binary share besides option parsing:
 * random data, the streaming ceiling, timing and comparison with the scalar
 * reference. Plain C11 plus GCC/Clang target attributes for the ceiling's
 * vector loops, so the tool runs on any CPU of its architecture.
 */
#ifndef SP_TOOL_HARNESS_H
#define SP_TOOL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "simdpool.h"

#ifdef __cplusplus
extern "C" {
#endif

double tool_now(void); /* monotonic seconds */

/* Zeroed memory for the data a benchmark streams, 64-byte aligned as
 * frameworks allocate tensors, so simdpool, the peers and the ceiling all
 * read and write whole cache lines; free() releases it. NULL when out of memory. */
void *tool_alloc(size_t bytes);

/* Uniform floats in [-1, 1) from a seed (splitmix64), reproducible. */
void tool_fill_random(float *x, int64_t n, uint64_t seed);

/* Bytes a pooling call streams by the design's ceiling rule: forward reads
 * src, writes dst (+ int64 indices for max when written); backward reads
 * diff_dst (+ indices for max) and writes diff_src. */
void tool_stream_bytes(const simdpool_plan *plan, simdpool_direction dir, int with_indices,
                       int64_t *read_bytes, int64_t *write_bytes);

/*
 * The streaming ceiling's loop: vector loads of all in_bytes of `in` and
 * vector stores over all out_bytes of `out`, interleaved like a copy, with the
 * widest vectors the CPU runs (AVX-512, AVX2, else 16 bytes). `threads` > 1
 * splits both ranges across that many threads (0: all online CPUs).
 * `nontemporal`: store with non-temporal stores where the loop has them and
 * `out` is 64-byte aligned (plain stores otherwise).
 */
void tool_stream(const void *in, size_t in_bytes, void *out, size_t out_bytes, int threads,
                 int nontemporal);
/* Which loop tool_stream uses: "avx512", "avx2" or "sse2"/"generic". */
const char *tool_stream_isa(void);
/* Whether that loop has a non-temporal form. */
int tool_stream_has_nontemporal(void);
int tool_online_cpus(void);

/* Median seconds of fn(ctx) after a warm-up call, over samples filling about
 * min_time seconds (at least 3; very short calls are batched per sample).
 * A call slower than min_time is measured once or twice more and the best
 * kept; with max_samples <= 7 and a call over 2 * min_time, the warm-up call
 * itself is the figure (for the slow scalar reference; touch the buffers
 * first). max_samples caps the samples. */
double tool_time(void (*fn)(void *), void *ctx, double min_time, int max_samples);

/* One timed call, for tool_time: a plan run forward or backward (one thread,
 * or the _threaded entry with `threads`), or the ceiling's stream. A failing
 * call leaves its status in `status`. */
typedef struct tool_call {
    const simdpool_plan *plan;
    simdpool_direction dir;
    const float *src, *diff_dst;
    float *dst, *diff_src;
    int64_t *fwd_idx;       /* forward output, or NULL */
    const int64_t *bwd_idx; /* backward input, or NULL */
    int threads;
    simdpool_status status;
    const void *stream_in;  /* the ceiling's buffers */
    void *stream_out;
    size_t in_bytes, out_bytes;
    int nontemporal; /* the ceiling's stores */
} tool_call;
void tool_call_plan(void *call);
void tool_call_stream(void *call);

/* The ceiling: the faster of streaming with plain and with non-temporal
 * stores (in cache plain stores win; out of cache non-temporal ones skip
 * reading the output lines first), timed as tool_time does. Leaves the
 * winner in stream->nontemporal. */
double tool_time_ceiling(tool_call *stream, double min_time);

typedef struct tool_cmp {
    int64_t count;       /* elements compared */
    int64_t mismatches;  /* elements out of tolerance */
    int64_t first;       /* first mismatching element, -1 if none */
    double got, want;    /* values at `first` */
    double max_abs_err;  /* largest |got - want| over finite pairs */
    double max_tol_frac; /* largest |got - want| / tolerance (0 when exact) */
} tool_cmp;

/* Bitwise equality, except that any NaN equals any NaN. */
void tool_compare_exact_f32(const float *got, const float *want, int64_t n, tool_cmp *r);
void tool_compare_exact_i64(const int64_t *got, const int64_t *want, int64_t n, tool_cmp *r);
/* |got - want| <= 4 * taps * FLT_EPSILON * scale[i] (scale: the reference run
 * on absolute values, so sum|x| / divisor), or equal, or both NaN. */
void tool_compare_tol_f32(const float *got, const float *want, const float *scale, double taps,
                          int64_t n, tool_cmp *r);

#ifdef __cplusplus
}
#endif

#endif
