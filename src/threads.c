/*
 * The multi-threaded entry points: a plain split of the work items over
 * threads, built only on the public _range functions, so a caller's own
 * thread pool can do exactly the same.
 *
 * The threads are a pool started on the first threaded call and kept:
 * starting and joining threads on every call cost tens of microseconds here,
 * as long as a whole small pooling call. Workers sleep on a condition
 * variable between calls. One threaded call uses the pool at a time; a call
 * that finds it busy runs its pieces on its own thread (same results: the
 * split never changes them).
 */
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "simdpool.h"

#define MAX_THREADS 256
/* Even with the pool, handing out work and waking workers costs several
 * microseconds, and two threads share the memory bus: measured on a 2-core
 * Zen 4 VM, ResNet-50's stem pool (4 MB, NHWC) took 118 us on two threads
 * against 98 us on one, VGG's first pool (16 MB) 234 us against 378 us.
 * A thread must have at least 4 MiB to stream. */
#define MIN_BYTES_PER_THREAD ((int64_t)4 << 20)

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

static void run_share(share *s)
{
    if (s->direction == SIMDPOOL_FORWARD)
        s->status = simdpool_forward_range(s->plan, s->in, s->out, s->indices, s->begin, s->end);
    else
        s->status = simdpool_backward_range(s->plan, s->in, s->saved, s->src, s->out, s->begin,
                                            s->end);
}

/* The pool. `lock` guards everything below it; a call publishes its shares
 * and bumps `generation`, workers and the caller take shares by `next`, and
 * the caller returns once `finished` counts them all. */
static struct {
    pthread_mutex_t in_use; /* held by the one call using the pool */
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    int workers;
    unsigned long generation;
    share *shares;
    int count, next, finished;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER, 0, 0, NULL, 0, 0, 0};

/* Takes and runs shares of the current call until none is left; called
 * with pool.lock held, returns with it held. */
static void pool_drain(void)
{
    while (pool.next < pool.count) {
        share *s = &pool.shares[pool.next++];
        pthread_mutex_unlock(&pool.lock);
        run_share(s);
        pthread_mutex_lock(&pool.lock);
        if (++pool.finished == pool.count) pthread_cond_signal(&pool.done);
    }
}

/* arg: the generation before the call that starts the worker, so that the
 * worker joins that call however late it first gets the lock. */
static void *pool_worker(void *arg)
{
    unsigned long seen = (unsigned long)(uintptr_t)arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
        seen = pool.generation;
        pool_drain();
    }
    return NULL;
}

/* A forked child has none of the parent's workers: it starts its own. */
static void pool_after_fork_child(void)
{
    pthread_mutex_init(&pool.in_use, NULL);
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.workers = 0;
    pool.count = pool.next = pool.finished = 0;
}

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static void pool_register_fork(void) { pthread_atfork(NULL, NULL, pool_after_fork_child); }

/* Runs the n shares on the calling thread and n - 1 pool workers (fewer if
 * they cannot be started: the work is the same, only spread over fewer). */
static void run_shares(share *shares, int n)
{
    pthread_once(&pool_once, pool_register_fork);
    if (n == 1 || pthread_mutex_trylock(&pool.in_use) != 0) {
        for (int t = 0; t < n; t++) run_share(&shares[t]);
        return;
    }
    pthread_mutex_lock(&pool.lock);
    while (pool.workers < n - 1) {
        pthread_t id;
        if (pthread_create(&id, NULL, pool_worker, (void *)(uintptr_t)pool.generation) != 0)
            break;
        pthread_detach(id);
        pool.workers++;
    }
    pool.shares = shares;
    pool.count = n;
    pool.next = pool.finished = 0;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pool_drain();
    while (pool.finished < pool.count) pthread_cond_wait(&pool.done, &pool.lock);
    pool.shares = NULL;
    pool.count = pool.next = pool.finished = 0;
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.in_use);
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
    for (int t = 0; t < threads; t++) {
        shares[t] = whole;
        shares[t].begin = items * t / threads;
        shares[t].end = items * (t + 1) / threads;
    }
    run_shares(shares, threads);
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
