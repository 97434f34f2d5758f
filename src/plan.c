/*
 * Plans: validation, shape arithmetic, kernel choice, and the entry points
 * that check their arguments before any kernel runs.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "problem.h"

struct simdpool_plan {
    simdpool_desc desc;
    sp_problem problem;
    sp_forward_kernel forward;
    sp_backward_kernel backward;
    simdpool_isa forward_isa, backward_isa;
    int64_t src_elements, dst_elements;
    bool forward_streams, backward_streams; /* kernels that store non-temporally */
};

/* Streaming pays only where the kernels write whole 64-byte lines with it:
 * a line written partly by non-temporal stores (the aligned vectors) and
 * partly by plain ones made NCHW rows of 27, 28 or 56 outputs 2-5x slower
 * than plain stores alone (AlexNet's, GoogLeNet's, ResNet-50's pools at
 * batch 32). So the rows the kernel stores, channels in NHWC, W in NCHW,
 * must be whole lines. */
static bool rows_are_whole_lines(const sp_problem *p, int64_t nchw_row)
{
    const int64_t floats_per_line = 64 / sizeof(float);
    const int64_t row = p->layout == SIMDPOOL_CHANNELS_LAST ? p->channels : nchw_row;
    return row % floats_per_line == 0;
}

/* Problems that move more bytes than the last-level cache holds take the
 * kernels that store their outputs non-temporally: the outputs would be
 * evicted before anyone reads them, and out of cache a plain store first
 * reads the line it writes. sysconf may report the L3 of all cores summed
 * (320 MB on the Zen 4 VM this was measured on), so the figure is capped at
 * 16 MiB: there, the 24 MB 300x500 average backward ran 2x faster streamed,
 * and the 13 MB global average backward, which repeated calls keep in cache,
 * 2x slower. whole_lines: see above. SIMDPOOL_STREAM_STORES =
 * always or never overrides the choice (the tests use "always" on small
 * problems, of every shape). */
static bool streams(int64_t bytes, bool whole_lines)
{
    const char *env = getenv("SIMDPOOL_STREAM_STORES");
    if (env && strcmp(env, "always") == 0) return true;
    if (env && strcmp(env, "never") == 0) return false;
    long cache = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
    cache = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    const long cap = 16L << 20;
    if (cache <= 0 || cache > cap) cache = cap;
    return bytes > cache && whole_lines;
}

/* Non-temporal stores are weakly ordered: fence them before the call
 * returns, so that whoever the caller hands the output to sees it. */
static void fence_streamed_stores(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_sfence();
#endif
}

const char *simdpool_status_message(simdpool_status status)
{
    switch (status) {
    case SIMDPOOL_OK: return "success";
    case SIMDPOOL_ERR_NULL_POINTER: return "a required pointer argument is NULL";
    case SIMDPOOL_ERR_BAD_ALGORITHM: return "unknown pooling algorithm";
    case SIMDPOOL_ERR_BAD_LAYOUT: return "unknown memory layout";
    case SIMDPOOL_ERR_BAD_DIMS: return "the number of spatial dims must be 1, 2 or 3";
    case SIMDPOOL_ERR_BAD_SIZE: return "batch, channels and input extents must be at least 1";
    case SIMDPOOL_ERR_BAD_KERNEL: return "kernel extents must be at least 1";
    case SIMDPOOL_ERR_BAD_STRIDE: return "strides must be at least 1";
    case SIMDPOOL_ERR_BAD_PADDING:
        return "begin padding must be >= 0 and end padding >= -stride";
    case SIMDPOOL_ERR_BAD_DILATION: return "dilation must be at least 1 (1 is dense)";
    case SIMDPOOL_ERR_BAD_DIVISOR:
        return "divisor override must be >= 0 (0 for none) and applies to average pooling only";
    case SIMDPOOL_ERR_EMPTY_OUTPUT: return "the output would be empty: the window does not fit";
    case SIMDPOOL_ERR_TOO_LARGE: return "a size or element count is too large";
    case SIMDPOOL_ERR_OUT_OF_MEMORY: return "out of memory";
    case SIMDPOOL_ERR_UNKNOWN_ISA:
        return "unknown ISA (known: auto, scalar, avx2, avx512, neon); check SIMDPOOL_ISA";
    case SIMDPOOL_ERR_ISA_UNAVAILABLE:
        return "the ISA requested (by SIMDPOOL_ISA or simdpool_set_isa) is not compiled in "
               "or not supported by this CPU";
    case SIMDPOOL_ERR_BAD_INDEX: return "an index is not a valid tap of its pooling window";
    case SIMDPOOL_ERR_BAD_RANGE: return "work range outside [0, work items)";
    case SIMDPOOL_ERR_NOT_SUPPORTED: return "not supported for this problem";
    case SIMDPOOL_ERR_THREAD: return "could not start a thread";
    }
    return "unknown status";
}

void simdpool_desc_init(simdpool_desc *desc, simdpool_alg alg, simdpool_layout layout, int dims)
{
    if (!desc) return;
    memset(desc, 0, sizeof *desc);
    desc->alg = alg;
    desc->layout = layout;
    desc->dims = dims;
    desc->batch = desc->channels = 1;
    for (int i = 0; i < SIMDPOOL_MAX_DIMS; i++)
        desc->in[i] = desc->kernel[i] = desc->stride[i] = desc->dilation[i] = 1;
}

/* Every size is bounded by this so the shape arithmetic below cannot overflow. */
#define SIZE_LIMIT ((int64_t)1 << 52)

static int64_t floor_div(int64_t x, int64_t y)
{
    int64_t q = x / y;
    return (x % y != 0 && x < 0) ? q - 1 : q;
}

int64_t simdpool_output_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                               int64_t pad_end, int64_t dilation, int ceil_mode)
{
    if (in < 1 || kernel < 1 || stride < 1 || dilation < 1 || pad_begin < 0 ||
        pad_end < -stride)
        return 0;
    if (in > SIZE_LIMIT || kernel > SIZE_LIMIT || stride > SIZE_LIMIT || dilation > SIZE_LIMIT ||
        pad_begin > SIZE_LIMIT || pad_end > SIZE_LIMIT)
        return 0;
    int64_t extent;
    if (__builtin_mul_overflow(kernel - 1, dilation, &extent) || extent > SIZE_LIMIT) return 0;
    extent += 1;
    int64_t span = in + pad_begin + pad_end - extent;
    if (span < 0) return 0;
    int64_t out = (ceil_mode ? floor_div(span + stride - 1, stride) : floor_div(span, stride)) + 1;
    /* PyTorch's rule: the last window must start inside the input or the
     * begin padding, never entirely in the end padding. */
    if (ceil_mode && (out - 1) * stride >= in + pad_begin) out--;
    return out;
}

static simdpool_status validate(const simdpool_desc *d)
{
    if (d->alg != SIMDPOOL_MAX && d->alg != SIMDPOOL_AVG_INCLUDE_PAD &&
        d->alg != SIMDPOOL_AVG_EXCLUDE_PAD)
        return SIMDPOOL_ERR_BAD_ALGORITHM;
    if (d->layout != SIMDPOOL_CHANNELS_FIRST && d->layout != SIMDPOOL_CHANNELS_LAST)
        return SIMDPOOL_ERR_BAD_LAYOUT;
    if (d->dims < 1 || d->dims > SIMDPOOL_MAX_DIMS) return SIMDPOOL_ERR_BAD_DIMS;
    if (d->batch < 1 || d->channels < 1) return SIMDPOOL_ERR_BAD_SIZE;
    for (int i = 0; i < d->dims; i++) {
        if (d->in[i] < 1) return SIMDPOOL_ERR_BAD_SIZE;
        if (d->kernel[i] < 1) return SIMDPOOL_ERR_BAD_KERNEL;
        if (d->stride[i] < 1) return SIMDPOOL_ERR_BAD_STRIDE;
        if (d->dilation[i] < 1) return SIMDPOOL_ERR_BAD_DILATION;
        if (d->pad_begin[i] < 0 || d->pad_end[i] < -d->stride[i]) return SIMDPOOL_ERR_BAD_PADDING;
    }
    if (d->divisor_override < 0 || (d->divisor_override > 0 && d->alg == SIMDPOOL_MAX))
        return SIMDPOOL_ERR_BAD_DIVISOR;
    if (d->batch > SIZE_LIMIT || d->channels > SIZE_LIMIT || d->divisor_override > SIZE_LIMIT)
        return SIMDPOOL_ERR_TOO_LARGE;
    for (int i = 0; i < d->dims; i++) {
        if (d->in[i] > SIZE_LIMIT || d->kernel[i] > SIZE_LIMIT || d->stride[i] > SIZE_LIMIT ||
            d->dilation[i] > SIZE_LIMIT || d->pad_begin[i] > SIZE_LIMIT ||
            d->pad_end[i] > SIZE_LIMIT)
            return SIMDPOOL_ERR_TOO_LARGE;
        int64_t extent;
        if (__builtin_mul_overflow(d->kernel[i] - 1, d->dilation[i], &extent) ||
            extent > SIZE_LIMIT)
            return SIMDPOOL_ERR_TOO_LARGE;
        if (simdpool_output_extent(d->in[i], d->kernel[i], d->stride[i], d->pad_begin[i],
                                   d->pad_end[i], d->dilation[i], d->ceil_mode) < 1)
            return SIMDPOOL_ERR_EMPTY_OUTPUT;
    }
    return SIMDPOOL_OK;
}

static void fill_axis(sp_axis *a, const simdpool_desc *d, int i)
{
    a->in = d->in[i];
    a->kernel = d->kernel[i];
    a->stride = d->stride[i];
    a->pad_begin = d->pad_begin[i];
    a->pad_end = d->pad_end[i];
    a->dilation = d->dilation[i];
    a->extent = (a->kernel - 1) * a->dilation + 1;
    a->out = simdpool_output_extent(a->in, a->kernel, a->stride, a->pad_begin, a->pad_end,
                                    a->dilation, d->ceil_mode);
    /* Interior outputs: start = o*stride - pad_begin >= 0 and
     * start + extent <= in. Kernels split each axis at these two points
     * into begin border, interior and end border. */
    int64_t room = a->in - a->extent + a->pad_begin;
    int64_t end = room < 0 ? 0 : room / a->stride + 1;
    if (end > a->out) end = a->out;
    int64_t begin = sp_ceil_div_nonneg(a->pad_begin, a->stride);
    if (begin > end) begin = end;
    a->interior_begin = begin;
    a->interior_end = end;
}

static int checked_product(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out) && *out <= SIZE_LIMIT;
}

simdpool_status simdpool_plan_create_for_isa(const simdpool_desc *desc, simdpool_isa isa,
                                             simdpool_plan **plan_out)
{
    if (!plan_out) return SIMDPOOL_ERR_NULL_POINTER;
    *plan_out = NULL;
    if (!desc) return SIMDPOOL_ERR_NULL_POINTER;
    simdpool_status status = validate(desc);
    if (status != SIMDPOOL_OK) return status;
    simdpool_isa chosen;
    status = sp_resolve_isa(isa, &chosen);
    if (status != SIMDPOOL_OK) return status;

    sp_problem p = {.alg = desc->alg,
                    .layout = desc->layout,
                    .dims = desc->dims,
                    .batch = desc->batch,
                    .channels = desc->channels,
                    .divisor_override = desc->divisor_override};
    /* Widen to 3 dims: the desc's dims go to the innermost axes. */
    simdpool_desc wide;
    simdpool_desc_init(&wide, desc->alg, desc->layout, SIMDPOOL_MAX_DIMS);
    wide.ceil_mode = desc->ceil_mode;
    int shift = SIMDPOOL_MAX_DIMS - desc->dims;
    for (int i = 0; i < desc->dims; i++) {
        wide.in[i + shift] = desc->in[i];
        wide.kernel[i + shift] = desc->kernel[i];
        wide.stride[i + shift] = desc->stride[i];
        wide.pad_begin[i + shift] = desc->pad_begin[i];
        wide.pad_end[i + shift] = desc->pad_end[i];
        wide.dilation[i + shift] = desc->dilation[i];
    }
    for (int i = 0; i < SIMDPOOL_MAX_DIMS; i++) fill_axis(&p.axis[i], &wide, i);

    int64_t nc, src_elements, dst_elements;
    if (!checked_product(p.axis[SP_D].in, p.axis[SP_H].in, &p.in_plane) ||
        !checked_product(p.in_plane, p.axis[SP_W].in, &p.in_plane) ||
        !checked_product(p.axis[SP_D].out, p.axis[SP_H].out, &p.out_plane) ||
        !checked_product(p.out_plane, p.axis[SP_W].out, &p.out_plane) ||
        !checked_product(p.batch, p.channels, &nc) ||
        !checked_product(nc, p.in_plane, &src_elements) ||
        !checked_product(nc, p.out_plane, &dst_elements) ||
        (uint64_t)src_elements > SIZE_MAX / sizeof(float) ||
        (uint64_t)dst_elements > SIZE_MAX / sizeof(int64_t))
        return SIMDPOOL_ERR_TOO_LARGE;

    simdpool_plan *plan = calloc(1, sizeof *plan);
    if (!plan) return SIMDPOOL_ERR_OUT_OF_MEMORY;
    plan->desc = *desc;
    plan->problem = p;
    plan->src_elements = src_elements;
    plan->dst_elements = dst_elements;
    /* max counts its indices: training runs write them */
    int64_t forward_bytes = (src_elements + dst_elements) * (int64_t)sizeof(float);
    if (p.alg == SIMDPOOL_MAX) forward_bytes += dst_elements * (int64_t)sizeof(int64_t);
    plan->forward_streams = streams(forward_bytes, rows_are_whole_lines(&p, p.axis[SP_W].out));
    plan->forward = sp_pick_forward(chosen, &plan->problem, plan->forward_streams,
                                    &plan->forward_isa);
    /* backward reads diff_dst and the indices (or src), writes diff_src */
    int64_t backward_bytes = (src_elements + dst_elements) * (int64_t)sizeof(float);
    if (p.alg == SIMDPOOL_MAX) backward_bytes += dst_elements * (int64_t)sizeof(int64_t);
    plan->backward_streams = streams(backward_bytes, rows_are_whole_lines(&p, p.axis[SP_W].in));
    plan->backward = sp_pick_backward(chosen, &plan->problem, plan->backward_streams,
                                      &plan->backward_isa);
    *plan_out = plan;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_plan_create(const simdpool_desc *desc, simdpool_plan **plan)
{
    return simdpool_plan_create_for_isa(desc, SIMDPOOL_ISA_AUTO, plan);
}

void simdpool_plan_destroy(simdpool_plan *plan)
{
    free(plan);
}

const simdpool_desc *simdpool_plan_desc(const simdpool_plan *plan)
{
    return plan ? &plan->desc : NULL;
}

void simdpool_plan_output_extents(const simdpool_plan *plan, int64_t out[SIMDPOOL_MAX_DIMS])
{
    if (!plan || !out) return;
    int shift = SIMDPOOL_MAX_DIMS - plan->desc.dims;
    for (int i = 0; i < SIMDPOOL_MAX_DIMS; i++)
        out[i] = i < plan->desc.dims ? plan->problem.axis[i + shift].out : 0;
}

int64_t simdpool_plan_src_elements(const simdpool_plan *plan)
{
    return plan ? plan->src_elements : 0;
}

int64_t simdpool_plan_dst_elements(const simdpool_plan *plan)
{
    return plan ? plan->dst_elements : 0;
}

int64_t simdpool_plan_indices_elements(const simdpool_plan *plan)
{
    return plan && plan->desc.alg == SIMDPOOL_MAX ? plan->dst_elements : 0;
}

simdpool_isa simdpool_plan_isa(const simdpool_plan *plan, simdpool_direction direction)
{
    if (!plan) return SIMDPOOL_ISA_AUTO;
    return direction == SIMDPOOL_BACKWARD ? plan->backward_isa : plan->forward_isa;
}

const char *simdpool_plan_kernel_name(const simdpool_plan *plan, simdpool_direction direction)
{
    if (!plan) return "";
    return direction == SIMDPOOL_BACKWARD ? plan->backward.name : plan->forward.name;
}

int64_t simdpool_plan_work_items(const simdpool_plan *plan, simdpool_direction direction)
{
    if (!plan) return 0;
    return sp_work_items(&plan->problem, direction == SIMDPOOL_BACKWARD ? plan->backward.unit
                                                                        : plan->forward.unit);
}

simdpool_status simdpool_forward_range(const simdpool_plan *plan, const float *src, float *dst,
                                       int64_t *indices, int64_t begin, int64_t end)
{
    if (!plan || !src || !dst) return SIMDPOOL_ERR_NULL_POINTER;
    if (indices && plan->desc.alg != SIMDPOOL_MAX) return SIMDPOOL_ERR_NOT_SUPPORTED;
    if (begin < 0 || end < begin || end > sp_work_items(&plan->problem, plan->forward.unit))
        return SIMDPOOL_ERR_BAD_RANGE;
    if (begin == end) return SIMDPOOL_OK;
    simdpool_status status = plan->forward.run(&plan->problem, src, dst, indices, begin, end);
    if (plan->forward_streams) fence_streamed_stores();
    return status;
}

simdpool_status simdpool_forward(const simdpool_plan *plan, const float *src, float *dst,
                                 int64_t *indices)
{
    return simdpool_forward_range(plan, src, dst, indices, 0,
                                  simdpool_plan_work_items(plan, SIMDPOOL_FORWARD));
}

simdpool_status simdpool_backward_range(const simdpool_plan *plan, const float *diff_dst,
                                        const int64_t *indices, const float *src,
                                        float *diff_src, int64_t begin, int64_t end)
{
    if (!plan || !diff_dst || !diff_src) return SIMDPOOL_ERR_NULL_POINTER;
    if (plan->desc.alg == SIMDPOOL_MAX && !indices && !src) return SIMDPOOL_ERR_NULL_POINTER;
    if (plan->desc.alg != SIMDPOOL_MAX) indices = NULL, src = NULL;
    if (begin < 0 || end < begin || end > sp_work_items(&plan->problem, plan->backward.unit))
        return SIMDPOOL_ERR_BAD_RANGE;
    if (begin == end) return SIMDPOOL_OK;
    simdpool_status status =
        plan->backward.run(&plan->problem, diff_dst, indices, src, diff_src, begin, end);
    if (plan->backward_streams) fence_streamed_stores();
    return status;
}

simdpool_status simdpool_backward(const simdpool_plan *plan, const float *diff_dst,
                                  const int64_t *indices, const float *src, float *diff_src)
{
    return simdpool_backward_range(plan, diff_dst, indices, src, diff_src, 0,
                                   simdpool_plan_work_items(plan, SIMDPOOL_BACKWARD));
}
