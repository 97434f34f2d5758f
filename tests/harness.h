/*
 * What the tests share: a seeded generator, problem text as a `simdpool run`
 * command line, and the comparison rules of SEMANTICS.md.
 */
#ifndef SIMDPOOL_TEST_HARNESS_H
#define SIMDPOOL_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "simdpool.h"

/* The unit tests' assertion: counts, and on failure says where and why. */
extern int test_checks, test_failures;
#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        test_checks++;                                                    \
        if (!(cond)) {                                                    \
            test_failures++;                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fprintf(stderr, "\n");                                        \
        }                                                                 \
    } while (0)

typedef struct rng {
    uint64_t state;
} rng;

uint64_t rng_next(rng *r);
/* Uniform in [lo, hi]. */
int64_t rng_range(rng *r, int64_t lo, int64_t hi);
bool rng_chance(rng *r, int percent);

/* Writes the problem as a `simdpool run` command line into buf. */
void problem_text(const simdpool_desc *d, simdpool_direction dir, simdpool_isa isa,
                  uint64_t seed, char *buf, size_t size);

/* Flat element offset -> "n=.. c=.. (d,h,w)" for messages. */
void position_text(const simdpool_desc *d, int64_t plane, int64_t offset, char *buf, size_t size);

/* Bitwise equality, the rule for max values. */
static inline bool same_bits(float a, float b)
{
    union {
        float f;
        uint32_t u;
    } x = {a}, y = {b};
    return x.u == y.u;
}

/* The sum rule: |got - ref| <= 4 * terms * FLT_EPSILON * magnitude, where
 * magnitude is the same computation on absolute values; NaN matches NaN and
 * an infinity must match exactly. */
bool close_enough(float got, float ref, float magnitude, int64_t terms);

#endif
