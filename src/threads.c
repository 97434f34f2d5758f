/*
 * The multi-threaded entry points: a plain split of the work items over
 * pthreads, built only on the public _range functions, so a caller's own
 * thread pool can do exactly the same.
 */
#include <pthread.h>
#include <unistd.h>

#include "simdpool.h"

#define MAX_THREADS 256
/* Starting and joining a thread costs tens of microseconds (measured here:
 * a small problem took 75 us on two threads, 10 us on one), the time to
 * stream about a megabyte: a thread must have at least that much to do. */
#define MIN_BYTES_PER_THREAD ((int64_t)1 << 20)

typedef struct share {
    const simdpool_plan *plan;
    simdpool_direction direction;
    const float *in;        /* src, or diff_dst */
    float *out;             /* dst, or diff_src */
    int64_t *indices;       /* forward: written */
    const int64_t *saved;   /* backward: read */
    const float *src;       /* backward max without indices */
    int64_t begin, end;
    simdpool_status status;
} share;

static void *run_share(void *arg)
{
    share *s = arg;
    if (s->direction == SIMDPOOL_FORWARD)
        s->status = simdpool_forward_range(s->plan, s->in, s->out, s->indices, s->begin, s->end);
    else
        s->status = simdpool_backward_range(s->plan, s->in, s->saved, s->src, s->out, s->begin,
                                            s->end);
    return NULL;
}

static simdpool_status run_threaded(share whole, int threads)
{
    if (!whole.plan) return SIMDPOOL_ERR_NULL_POINTER;
    int64_t items = simdpool_plan_work_items(whole.plan, whole.direction);
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads > items) threads = items > 0 ? (int)items : 1;
    int64_t bytes = (simdpool_plan_src_elements(whole.plan) +
                     simdpool_plan_dst_elements(whole.plan)) * (int64_t)sizeof(float);
    int64_t affordable = bytes / MIN_BYTES_PER_THREAD;
    if (affordable < 1) affordable = 1;
    if (threads > affordable) threads = (int)affordable;

    share shares[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started = 0;
    simdpool_status status = SIMDPOOL_OK;
    for (int t = 0; t < threads; t++) {
        shares[t] = whole;
        shares[t].begin = items * t / threads;
        shares[t].end = items * (t + 1) / threads;
    }
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&ids[t], NULL, run_share, &shares[t]) != 0) {
            status = SIMDPOOL_ERR_THREAD;
            break;
        }
        started = t;
    }
    if (status == SIMDPOOL_OK) run_share(&shares[0]);
    for (int t = 1; t <= started; t++) pthread_join(ids[t], NULL);
    if (status != SIMDPOOL_OK) return status;
    for (int t = 0; t < threads; t++)
        if (shares[t].status != SIMDPOOL_OK) return shares[t].status;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_forward_threaded(const simdpool_plan *plan, const float *src, float *dst,
                                          int64_t *indices, int threads)
{
    share whole = {.plan = plan, .direction = SIMDPOOL_FORWARD, .in = src, .out = dst,
                   .indices = indices};
    return run_threaded(whole, threads);
}

simdpool_status simdpool_backward_threaded(const simdpool_plan *plan, const float *diff_dst,
                                           const int64_t *indices, const float *src,
                                           float *diff_src, int threads)
{
    share whole = {.plan = plan, .direction = SIMDPOOL_BACKWARD, .in = diff_dst, .out = diff_src,
                   .saved = indices, .src = src};
    return run_threaded(whole, threads);
}
