/*
 * The validated problem that plans hand to kernels, and the kernel interface.
 * Internal: nothing here is part of the public API.
 */
#ifndef SIMDPOOL_PROBLEM_H
#define SIMDPOOL_PROBLEM_H

#include <stdbool.h>
#include <stdint.h>

#include "simdpool.h"

/*
 * One spatial dim. Problems of fewer than 3 dims are widened to 3 with unit
 * outer dims (in = out = kernel = stride = dilation = 1, no padding), so every
 * kernel sees D, H, W and the index formula (d*IH + h)*IW + w holds for all.
 */
typedef struct sp_axis {
    int64_t in, out, kernel, stride, pad_begin, pad_end, dilation;
    int64_t extent; /* (kernel - 1) * dilation + 1 */
    /* Outputs o in [interior_begin, interior_end) have every tap inside the
     * input, so kernels can run them without any bound check. The range may
     * be empty (interior_begin == interior_end). */
    int64_t interior_begin, interior_end;
} sp_axis;

enum { SP_D = 0, SP_H = 1, SP_W = 2 };

typedef struct sp_problem {
    simdpool_alg alg;
    simdpool_layout layout;
    int dims;
    int64_t batch, channels;
    sp_axis axis[3]; /* SP_D, SP_H, SP_W */
    int64_t in_plane, out_plane; /* spatial elements of one (n, c) plane */
    int64_t divisor_override;   /* 0: none */
} sp_problem;

/* First input coordinate of output o's window (may be negative). */
static inline int64_t sp_window_start(const sp_axis *a, int64_t o)
{
    return o * a->stride - a->pad_begin;
}

static inline int64_t sp_ceil_div_nonneg(int64_t x, int64_t y)
{
    return (x + y - 1) / y;
}

/* The valid taps of output o are j in [*first, *last): they are contiguous
 * because tap positions grow with j. first == last when there are none. */
static inline void sp_axis_valid_taps(const sp_axis *a, int64_t o, int64_t *first, int64_t *last)
{
    int64_t start = sp_window_start(a, o);
    int64_t j0 = start < 0 ? sp_ceil_div_nonneg(-start, a->dilation) : 0;
    int64_t j1 = a->in - start <= 0 ? 0 : sp_ceil_div_nonneg(a->in - start, a->dilation);
    if (j0 > a->kernel) j0 = a->kernel;
    if (j1 > a->kernel) j1 = a->kernel;
    if (j1 < j0) j1 = j0;
    *first = j0;
    *last = j1;
}

/* End of the padded input: in + pad_end, but never short of the input
 * itself. A negative pad_end only says that floor-mode windows stop early;
 * a ceil-mode window can still reach those inputs, and they count. */
static inline int64_t sp_axis_padded_end(const sp_axis *a)
{
    return a->pad_end > 0 ? a->in + a->pad_end : a->in;
}

/* Taps of output o inside the padded input [-pad_begin, sp_axis_padded_end):
 * the per-dim factor of the include-padding divisor. */
static inline int64_t sp_axis_padded_taps(const sp_axis *a, int64_t o)
{
    int64_t start = sp_window_start(a, o); /* >= -pad_begin always */
    int64_t limit = sp_axis_padded_end(a) - start;
    if (limit <= 0) return 0;
    int64_t n = sp_ceil_div_nonneg(limit, a->dilation);
    return n < a->kernel ? n : a->kernel;
}

/* Is input coordinate x tap of output o's window, inside the input? */
static inline bool sp_axis_is_valid_tap(const sp_axis *a, int64_t o, int64_t x)
{
    if (x < 0 || x >= a->in) return false;
    int64_t rel = x - sp_window_start(a, o);
    return rel >= 0 && rel % a->dilation == 0 && rel / a->dilation < a->kernel;
}

/* Offsets of element (n, c, spatial 0) and the step between spatial
 * neighbours of one (n, c) plane, for a tensor of `plane` spatial elements. */
static inline int64_t sp_plane_base(const sp_problem *p, int64_t n, int64_t c, int64_t plane)
{
    return p->layout == SIMDPOOL_CHANNELS_FIRST ? (n * p->channels + c) * plane
                                                : n * plane * p->channels + c;
}
static inline int64_t sp_plane_step(const sp_problem *p)
{
    return p->layout == SIMDPOOL_CHANNELS_FIRST ? 1 : p->channels;
}

/* ---- the kernel interface ------------------------------------------------- */

/* How a kernel's work divides into independent items (simdpool_plan_work_items). */
typedef enum sp_work_unit {
    SP_WORK_PLANES,   /* batch * channels: one (n, c) plane each */
    SP_WORK_OUT_ROWS, /* batch * out_D * out_H: one row of outputs, all channels */
    SP_WORK_IMAGES    /* batch: one image, all channels */
} sp_work_unit;

/* Runs work items [begin, end). Kernels do not validate arguments: the plan has. */
typedef simdpool_status (*sp_forward_fn)(const sp_problem *p, const float *src, float *dst,
                                         int64_t *indices, int64_t begin, int64_t end);
/* Max backward gets `indices` or (when NULL) `src`; it returns
 * SIMDPOOL_ERR_BAD_INDEX for an index outside its window, without writing it. */
typedef simdpool_status (*sp_backward_fn)(const sp_problem *p, const float *diff_dst,
                                          const int64_t *indices, const float *src,
                                          float *diff_src, int64_t begin, int64_t end);

typedef struct sp_forward_kernel {
    sp_forward_fn run; /* NULL: this ISA has no kernel for the problem */
    sp_work_unit unit;
    const char *name;
} sp_forward_kernel;

typedef struct sp_backward_kernel {
    sp_backward_fn run;
    sp_work_unit unit;
    const char *name;
} sp_backward_kernel;

static inline int64_t sp_work_items(const sp_problem *p, sp_work_unit unit)
{
    switch (unit) {
    case SP_WORK_PLANES: return p->batch * p->channels;
    case SP_WORK_OUT_ROWS: return p->batch * p->axis[SP_D].out * p->axis[SP_H].out;
    case SP_WORK_IMAGES: return p->batch;
    }
    return 0;
}

#endif
