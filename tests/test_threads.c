/*
 * The threaded entry points and their pool: results bit-identical to one
 * whole call for every thread count, across many calls (the pool is reused),
 * from several callers at once (one gets the pool, the others run alone),
 * and in a forked child (which has none of the parent's workers; skipped by
 * --no-fork, for qemu-user, which cannot fork a threaded process).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simdpool.h"

static int failures;
#define CHECK(cond, ...)                                                                        \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* Big enough (8 MiB streamed, two threads' worth at 4 MiB each) that the
 * threaded call does split. */
typedef struct problem {
    simdpool_plan *plan;
    float *src, *dst_whole, *diff_src_whole;
    int64_t *idx_whole;
    int64_t ns, nd;
} problem;

static void problem_init(problem *p)
{
    simdpool_desc d;
    simdpool_desc_init(&d, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_LAST, 2);
    d.batch = 2;
    d.channels = 64;
    d.in[0] = d.in[1] = 112;
    for (int i = 0; i < 2; i++) {
        d.kernel[i] = 3;
        d.stride[i] = 2;
        d.pad_begin[i] = d.pad_end[i] = 1;
    }
    if (simdpool_plan_create(&d, &p->plan) != SIMDPOOL_OK) {
        fprintf(stderr, "FAIL: plan\n");
        exit(1);
    }
    p->ns = simdpool_plan_src_elements(p->plan);
    p->nd = simdpool_plan_dst_elements(p->plan);
    p->src = malloc(sizeof(float) * (size_t)p->ns);
    p->dst_whole = malloc(sizeof(float) * (size_t)p->nd);
    p->diff_src_whole = malloc(sizeof(float) * (size_t)p->ns);
    p->idx_whole = malloc(sizeof(int64_t) * (size_t)p->nd);
    uint32_t x = 12345;
    for (int64_t i = 0; i < p->ns; i++) {
        x = x * 1664525u + 1013904223u;
        p->src[i] = (float)(int32_t)(x >> 8) / (float)(1 << 23);
    }
    simdpool_forward(p->plan, p->src, p->dst_whole, p->idx_whole);
    simdpool_backward(p->plan, p->dst_whole, p->idx_whole, NULL, p->diff_src_whole);
}

/* One threaded forward and backward, compared with the whole calls. */
static int threaded_matches(const problem *p, int threads)
{
    float *dst = malloc(sizeof(float) * (size_t)p->nd);
    float *diff_src = malloc(sizeof(float) * (size_t)p->ns);
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)p->nd);
    memset(dst, 0xff, sizeof(float) * (size_t)p->nd);
    memset(idx, 0xff, sizeof(int64_t) * (size_t)p->nd);
    memset(diff_src, 0xff, sizeof(float) * (size_t)p->ns);
    int ok = simdpool_forward_threaded(p->plan, p->src, dst, idx, threads) == SIMDPOOL_OK &&
             memcmp(dst, p->dst_whole, sizeof(float) * (size_t)p->nd) == 0 &&
             memcmp(idx, p->idx_whole, sizeof(int64_t) * (size_t)p->nd) == 0 &&
             simdpool_backward_threaded(p->plan, p->dst_whole, p->idx_whole, NULL, diff_src,
                                        threads) == SIMDPOOL_OK &&
             memcmp(diff_src, p->diff_src_whole, sizeof(float) * (size_t)p->ns) == 0;
    free(dst);
    free(diff_src);
    free(idx);
    return ok;
}

static problem shared_problem;

static void *caller(void *arg)
{
    intptr_t threads = (intptr_t)arg;
    intptr_t bad = 0;
    for (int i = 0; i < 20; i++) bad += !threaded_matches(&shared_problem, (int)threads);
    return (void *)bad;
}

int main(int argc, char **argv)
{
    const bool fork_too = !(argc > 1 && strcmp(argv[1], "--no-fork") == 0);
    problem_init(&shared_problem);
    const int counts[] = {0, 1, 2, 3, 4, 7};
    for (int round = 0; round < 10; round++)
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
            CHECK(threaded_matches(&shared_problem, counts[i]),
                  "%d threads (round %d) differ from one whole call", counts[i], round);

    pthread_t callers[3];
    for (int t = 0; t < 3; t++)
        pthread_create(&callers[t], NULL, caller, (void *)(intptr_t)(t + 2));
    for (int t = 0; t < 3; t++) {
        void *bad;
        pthread_join(callers[t], &bad);
        CHECK(bad == NULL, "concurrent caller %d: %ld calls differ", t, (long)(intptr_t)bad);
    }

    if (fork_too) {
        pid_t child = fork();
        if (child == 0) _exit(threaded_matches(&shared_problem, 3) ? 0 : 1);
        int status = 0;
        CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0,
              "threaded call in a forked child failed");
    } else {
        printf("forked child: skipped (--no-fork)\n");
    }

    if (failures) return 1;
    printf("threaded calls: all bit-identical to one whole call\n");
    return 0;
}
