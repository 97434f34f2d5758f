/*
 * simdpool: SIMD pooling kernels (max and average, forward and backward,
 * 1D/2D/3D, channels-first and channels-last, f32).
 *
 * Usage: fill a simdpool_desc (simdpool_desc_init gives PyTorch's defaults),
 * create a plan once, run it as often as needed, destroy it.
 *
 *   simdpool_desc d;
 *   simdpool_desc_init(&d, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_FIRST, 2);
 *   ...set batch, channels, in[], kernel[], stride[], pad_begin[], pad_end[]...
 *   simdpool_plan *plan;
 *   if (simdpool_plan_create(&d, &plan) != SIMDPOOL_OK) ...
 *   simdpool_forward(plan, src, dst, indices_or_NULL);
 *   simdpool_plan_destroy(plan);
 *
 * The meaning of every option is that of PyTorch by default (SEMANTICS.md in
 * the project's documentation gives the exact rules); oneDNN's, TensorFlow's
 * and ONNX's conventions are expressed through explicit end padding.
 *
 * Thread-safety: plans are immutable after creation; any number of threads
 * may run the same plan at once on different buffers. simdpool_forward,
 * simdpool_backward and their _range forms allocate nothing, take no lock and
 * make no system call. The library never prints.
 *
 * Buffers may have any alignment. Kernels read and write only the elements
 * the problem defines.
 */
#ifndef SIMDPOOL_H
#define SIMDPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(SIMDPOOL_SHARED_BUILD)
#define SIMDPOOL_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SIMDPOOL_API __attribute__((visibility("default")))
#else
#define SIMDPOOL_API
#endif

#define SIMDPOOL_VERSION_MAJOR 0
#define SIMDPOOL_VERSION_MINOR 1
#define SIMDPOOL_VERSION_PATCH 0

/* The largest number of spatial dims; dims are stored outermost first. */
#define SIMDPOOL_MAX_DIMS 3

typedef enum simdpool_status {
    SIMDPOOL_OK = 0,
    SIMDPOOL_ERR_NULL_POINTER,     /* a required pointer argument is NULL */
    SIMDPOOL_ERR_BAD_ALGORITHM,    /* alg is not one of simdpool_alg */
    SIMDPOOL_ERR_BAD_LAYOUT,       /* layout is not one of simdpool_layout */
    SIMDPOOL_ERR_BAD_DIMS,         /* spatial dims not 1, 2 or 3 */
    SIMDPOOL_ERR_BAD_SIZE,         /* batch, channels or an input extent < 1 */
    SIMDPOOL_ERR_BAD_KERNEL,       /* a kernel extent < 1 */
    SIMDPOOL_ERR_BAD_STRIDE,       /* a stride < 1 */
    SIMDPOOL_ERR_BAD_PADDING,      /* begin padding < 0 or end padding < -stride */
    SIMDPOOL_ERR_BAD_DILATION,     /* a dilation < 1 (1 means dense) */
    SIMDPOOL_ERR_BAD_DIVISOR,      /* divisor override < 0, or set for max */
    SIMDPOOL_ERR_EMPTY_OUTPUT,     /* the output would have an extent < 1 */
    SIMDPOOL_ERR_TOO_LARGE,        /* a tensor's element count overflows */
    SIMDPOOL_ERR_OUT_OF_MEMORY,    /* plan creation could not allocate */
    SIMDPOOL_ERR_UNKNOWN_ISA,      /* an ISA name or value simdpool does not know */
    SIMDPOOL_ERR_ISA_UNAVAILABLE,  /* an ISA not compiled in or not runnable on this CPU */
    SIMDPOOL_ERR_BAD_INDEX,        /* backward: an index is not a valid tap of its window */
    SIMDPOOL_ERR_BAD_RANGE,        /* a work range outside [0, simdpool_plan_work_items) */
    SIMDPOOL_ERR_NOT_SUPPORTED,    /* the request does not apply (indices for average) */
    SIMDPOOL_ERR_THREAD            /* kept for compatibility: the threaded entries no longer
                                      fail when a thread cannot start (they use fewer) */
} simdpool_status;

/* A one-line English description of a status; never NULL. */
SIMDPOOL_API const char *simdpool_status_message(simdpool_status status);

typedef enum simdpool_alg {
    SIMDPOOL_MAX = 0,
    SIMDPOOL_AVG_INCLUDE_PAD = 1, /* PyTorch count_include_pad=True, oneDNN avg_p */
    SIMDPOOL_AVG_EXCLUDE_PAD = 2  /* PyTorch count_include_pad=False, oneDNN avg_np */
} simdpool_alg;

typedef enum simdpool_layout {
    SIMDPOOL_CHANNELS_FIRST = 0, /* NCW, NCHW, NCDHW */
    SIMDPOOL_CHANNELS_LAST = 1   /* NWC, NHWC, NDHWC */
} simdpool_layout;

typedef enum simdpool_isa {
    SIMDPOOL_ISA_AUTO = -1, /* let the dispatcher choose */
    SIMDPOOL_ISA_SCALAR = 0,
    SIMDPOOL_ISA_AVX2 = 1,   /* AVX2 + FMA */
    SIMDPOOL_ISA_AVX512 = 2, /* AVX-512 F, BW, DQ, VL */
    SIMDPOOL_ISA_NEON = 3,   /* AArch64 Advanced SIMD */
    SIMDPOOL_ISA_COUNT = 4
} simdpool_isa;

typedef enum simdpool_direction {
    SIMDPOOL_FORWARD = 0,
    SIMDPOOL_BACKWARD = 1
} simdpool_direction;

/*
 * A pooling problem. Every per-dim array holds `dims` values, outermost first
 * (D, H, W for 3D; H, W for 2D; W for 1D); entries past `dims` are ignored.
 */
typedef struct simdpool_desc {
    simdpool_alg alg;
    simdpool_layout layout;
    int dims;                               /* spatial dims: 1, 2 or 3 */
    int64_t batch;                          /* N >= 1 */
    int64_t channels;                       /* C >= 1 */
    int64_t in[SIMDPOOL_MAX_DIMS];          /* input extents >= 1 */
    int64_t kernel[SIMDPOOL_MAX_DIMS];      /* taps per dim >= 1 */
    int64_t stride[SIMDPOOL_MAX_DIMS];      /* >= 1 */
    int64_t pad_begin[SIMDPOOL_MAX_DIMS];   /* >= 0 */
    int64_t pad_end[SIMDPOOL_MAX_DIMS];     /* >= -stride (oneDNN's derived padding_r);
                                               the padded input is [-pad_begin, in + pad_end),
                                               and never less than the input itself */
    int64_t dilation[SIMDPOOL_MAX_DIMS];    /* >= 1; 1 is dense (PyTorch's convention) */
    int ceil_mode;                          /* nonzero: ceil output size (PyTorch's rule) */
    int64_t divisor_override;               /* average only; 0 = none, else the divisor */
} simdpool_desc;

/*
 * Fills `desc` with PyTorch's defaults for a problem of `dims` spatial dims:
 * batch, channels, extents and kernel 1, stride 1, no padding, dilation 1,
 * floor mode, no divisor override. Set at least in[] and kernel[] (and
 * stride[], which PyTorch defaults to the kernel) before creating a plan.
 */
SIMDPOOL_API void simdpool_desc_init(simdpool_desc *desc, simdpool_alg alg,
                                     simdpool_layout layout, int dims);

/*
 * Output extent of one dim by SEMANTICS.md: floor mode
 * (in + pad_begin + pad_end - extent) / stride + 1, ceil mode the same rounded
 * up, less one when the last window would start past in + pad_begin. Returns
 * a value < 1 for an empty output (and for arguments that are out of range).
 */
SIMDPOOL_API int64_t simdpool_output_extent(int64_t in, int64_t kernel, int64_t stride,
                                            int64_t pad_begin, int64_t pad_end,
                                            int64_t dilation, int ceil_mode);

typedef struct simdpool_plan simdpool_plan;

/*
 * Validates `desc`, computes the output size, selects kernels for the ISA the
 * dispatcher chose (SIMDPOOL_ISA in the environment, simdpool_set_isa, or the
 * best runnable) and precomputes per-output tables. On error *plan is NULL.
 */
SIMDPOOL_API simdpool_status simdpool_plan_create(const simdpool_desc *desc, simdpool_plan **plan);

/* As simdpool_plan_create, with the ISA given for this plan alone
 * (SIMDPOOL_ISA_AUTO: the dispatcher's choice). */
SIMDPOOL_API simdpool_status simdpool_plan_create_for_isa(const simdpool_desc *desc,
                                                          simdpool_isa isa,
                                                          simdpool_plan **plan);

/* Frees a plan; NULL is allowed. */
SIMDPOOL_API void simdpool_plan_destroy(simdpool_plan *plan);

/* The descriptor the plan was made from. */
SIMDPOOL_API const simdpool_desc *simdpool_plan_desc(const simdpool_plan *plan);

/* Writes the plan's output extents (desc.dims values, outermost first). */
SIMDPOOL_API void simdpool_plan_output_extents(const simdpool_plan *plan,
                                               int64_t out[SIMDPOOL_MAX_DIMS]);

/* Element counts of src (= diff_src), dst (= diff_dst) and the max indices
 * (= dst; 0 for average). Multiply by sizeof(float) / sizeof(int64_t). */
SIMDPOOL_API int64_t simdpool_plan_src_elements(const simdpool_plan *plan);
SIMDPOOL_API int64_t simdpool_plan_dst_elements(const simdpool_plan *plan);
SIMDPOOL_API int64_t simdpool_plan_indices_elements(const simdpool_plan *plan);

/* The ISA whose kernel runs `direction`, and that kernel's name (static
 * storage, e.g. "f32_maxpool_fwd_nhwc_avx512"). */
SIMDPOOL_API simdpool_isa simdpool_plan_isa(const simdpool_plan *plan, simdpool_direction direction);
SIMDPOOL_API const char *simdpool_plan_kernel_name(const simdpool_plan *plan,
                                                   simdpool_direction direction);

/*
 * Forward: dst = pool(src). For max, `indices` may be NULL or receive one int64
 * per output (in the output's layout): the flat offset of the chosen tap in
 * the input's spatial plane, w, h*IW + w or (d*IH + h)*IW + w, or -1 for a
 * window with no valid tap. Indices with an average plan: SIMDPOOL_ERR_NOT_SUPPORTED.
 */
SIMDPOOL_API simdpool_status simdpool_forward(const simdpool_plan *plan, const float *src,
                                              float *dst, int64_t *indices);

/*
 * Backward by data: writes all of diff_src (zero where nothing flows back).
 * Max: from `indices` when not NULL, else recomputed from `src` by the
 * forward rules (one of the two is required). Average: `indices` and `src`
 * are ignored. An index that is not a valid tap of its window (or is not -1
 * for a window with none) gives SIMDPOOL_ERR_BAD_INDEX and is never written
 * through; diff_src is then unspecified.
 */
SIMDPOOL_API simdpool_status simdpool_backward(const simdpool_plan *plan, const float *diff_dst,
                                               const int64_t *indices, const float *src,
                                               float *diff_src);

/*
 * Splitting one call across a caller's thread pool: a plan's work divides into
 * simdpool_plan_work_items(plan, direction) independent items (the unit, e.g.
 * channel planes or output rows, depends on the kernel); the _range forms run
 * items [begin, end). Any partition of [0, items) gives results bit-identical
 * to one whole call, and distinct items never touch the same output element.
 */
SIMDPOOL_API int64_t simdpool_plan_work_items(const simdpool_plan *plan,
                                              simdpool_direction direction);
SIMDPOOL_API simdpool_status simdpool_forward_range(const simdpool_plan *plan, const float *src,
                                                    float *dst, int64_t *indices,
                                                    int64_t begin, int64_t end);
SIMDPOOL_API simdpool_status simdpool_backward_range(const simdpool_plan *plan,
                                                     const float *diff_dst,
                                                     const int64_t *indices, const float *src,
                                                     float *diff_src, int64_t begin, int64_t end);

/*
 * Multi-threaded forms: split the work items evenly over at most `threads`
 * threads (0: one per online CPU), the calling thread among them. Fewer run
 * when the problem is too small to pay for waking them (each thread gets at
 * least 4 MiB to stream). Unlike the single-threaded forms these use
 * threads of simdpool's own: a pool started on the first call and kept,
 * sleeping between calls. One call uses the pool at a time; a concurrent
 * call runs on its calling thread alone.
 */
SIMDPOOL_API simdpool_status simdpool_forward_threaded(const simdpool_plan *plan,
                                                       const float *src, float *dst,
                                                       int64_t *indices, int threads);
SIMDPOOL_API simdpool_status simdpool_backward_threaded(const simdpool_plan *plan,
                                                        const float *diff_dst,
                                                        const int64_t *indices,
                                                        const float *src, float *diff_src,
                                                        int threads);

/* ---- ISA selection ---------------------------------------------------- */

/* "scalar", "avx2", "avx512", "neon" ("auto" for SIMDPOOL_ISA_AUTO); NULL if unknown. */
SIMDPOOL_API const char *simdpool_isa_name(simdpool_isa isa);
/* The inverse of simdpool_isa_name; SIMDPOOL_ERR_UNKNOWN_ISA for other names. */
SIMDPOOL_API simdpool_status simdpool_isa_from_name(const char *name, simdpool_isa *isa);

/* Bit (1u << isa) set for each ISA compiled into this build / runnable here
 * (compiled in and supported by this CPU and OS). Scalar is always both. */
SIMDPOOL_API unsigned simdpool_isas_compiled(void);
SIMDPOOL_API unsigned simdpool_isas_runnable(void);

/*
 * The ISA new plans use. The choice is made once, on first use: SIMDPOOL_ISA
 * from the environment if set (if it names an unknown or unrunnable ISA, plan
 * creation fails with that error until simdpool_set_isa picks another), else
 * the best runnable ISA. simdpool_set_isa overrides it for plans created
 * afterwards (SIMDPOOL_ISA_AUTO returns to the best runnable); it fails,
 * changing nothing, for an ISA this build or CPU cannot run. Thread-safe.
 */
SIMDPOOL_API simdpool_status simdpool_set_isa(simdpool_isa isa);
SIMDPOOL_API simdpool_status simdpool_get_isa(simdpool_isa *isa);

/* A space-separated list of the CPU features the dispatcher looked at and
 * found (e.g. "avx avx2 fma avx512f ... os-ymm os-zmm"); static storage. */
SIMDPOOL_API const char *simdpool_cpu_features(void);

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_H */
