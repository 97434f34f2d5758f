#include "harness.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int test_checks, test_failures;

uint64_t rng_next(rng *r)
{
    /* splitmix64: tiny, and every seed gives a good sequence. */
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int64_t rng_range(rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

bool rng_chance(rng *r, int percent)
{
    return rng_range(r, 0, 99) < percent;
}

static int append_list(char *buf, size_t size, int used, const char *flag, const int64_t *v,
                       int dims)
{
    if ((size_t)used >= size) return used;
    used += snprintf(buf + used, size - used, " %s ", flag);
    for (int i = 0; i < dims && (size_t)used < size; i++)
        used += snprintf(buf + used, size - used, i ? ",%lld" : "%lld", (long long)v[i]);
    return used;
}

void problem_text(const simdpool_desc *d, simdpool_direction dir, simdpool_isa isa,
                  uint64_t seed, char *buf, size_t size)
{
    static const char *algs[] = {"max", "avg_p", "avg_np"};
    const char *alg = (unsigned)d->alg < 3 ? algs[d->alg] : "?";
    int used = snprintf(buf, size, "simdpool run --alg %s --dir %s --layout %s --isa %s --shape %lld,%lld",
                        alg, dir == SIMDPOOL_BACKWARD ? "bwd" : "fwd",
                        d->layout == SIMDPOOL_CHANNELS_LAST ? "nhwc" : "nchw",
                        simdpool_isa_name(isa) ? simdpool_isa_name(isa) : "?",
                        (long long)d->batch, (long long)d->channels);
    for (int i = 0; i < d->dims && (size_t)used < size; i++)
        used += snprintf(buf + used, size - used, ",%lld", (long long)d->in[i]);
    used = append_list(buf, size, used, "--kernel", d->kernel, d->dims);
    used = append_list(buf, size, used, "--stride", d->stride, d->dims);
    used = append_list(buf, size, used, "--pad", d->pad_begin, d->dims);
    used = append_list(buf, size, used, "--pad-end", d->pad_end, d->dims);
    used = append_list(buf, size, used, "--dilation", d->dilation, d->dims);
    if (d->ceil_mode && (size_t)used < size) used += snprintf(buf + used, size - used, " --ceil-mode");
    if (d->divisor_override && (size_t)used < size)
        used += snprintf(buf + used, size - used, " --divisor %lld", (long long)d->divisor_override);
    if ((size_t)used < size) snprintf(buf + used, size - used, " --seed %llu", (unsigned long long)seed);
}

void position_text(const simdpool_desc *d, int64_t plane, int64_t offset, char *buf, size_t size)
{
    int64_t n, c, p;
    if (d->layout == SIMDPOOL_CHANNELS_FIRST) {
        p = offset % plane;
        c = offset / plane % d->channels;
        n = offset / plane / d->channels;
    } else {
        c = offset % d->channels;
        p = offset / d->channels % plane;
        n = offset / d->channels / plane;
    }
    snprintf(buf, size, "element %lld: n=%lld c=%lld spatial offset %lld", (long long)offset,
             (long long)n, (long long)c, (long long)p);
}

bool close_enough(float got, float ref, float magnitude, int64_t terms)
{
    if (isnan(ref)) return isnan(got);
    if (isinf(ref)) return got == ref;
    if (isnan(got) || isinf(got)) return false;
    double bound = 4.0 * (double)terms * FLT_EPSILON * (double)magnitude;
    return fabs((double)got - (double)ref) <= bound;
}
