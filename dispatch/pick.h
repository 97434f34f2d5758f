/*
 * The SIMD ISAs build the same kernels from the shared templates
 * (kernels/common/), so one picker per layout serves them all: it takes the
 * ISA's set of kernels and returns the one for the problem, or run == NULL
 * when none takes it (the plan then runs the reference).
 */
#ifndef SIMDPOOL_PICK_H
#define SIMDPOOL_PICK_H

#include "dispatch.h"

/* One kernel of a set: the function and its name. */
typedef struct sp_named_forward {
    sp_forward_fn run;
    const char *name;
} sp_named_forward;
typedef struct sp_named_backward {
    sp_backward_fn run;
    const char *name;
} sp_named_backward;

typedef struct sp_nhwc_set {
    sp_named_forward max_fwd, max_fwd_3x3, max_fwd_2x2, avg_fwd;
    sp_named_backward max_bwd, avg_bwd;
} sp_nhwc_set;

/* The planar kernels choose their W path inside; the names say which one
 * the problem's interior runs, by sp_nchw_shape. */
enum { SP_NCHW_SHAPES = 6 };
typedef struct sp_nchw_set {
    sp_forward_fn max_fwd, avg_fwd, avg_fwd_global;
    sp_backward_fn max_bwd, avg_bwd, avg_bwd_global;
    const char *max_fwd_names[SP_NCHW_SHAPES], *avg_fwd_names[SP_NCHW_SHAPES];
    const char *avg_fwd_global_name, *max_bwd_name, *avg_bwd_name, *avg_bwd_global_name;
} sp_nchw_set;

#define SP_NAMED(fn) {fn, #fn + 3} /* the name drops the "sp_" prefix */

/* A set whose kernels all come from one build (`isa`). */
#define SP_NHWC_SET(isa)                                                                       \
    {SP_NAMED(sp_f32_maxpool_fwd_nhwc_##isa), SP_NAMED(sp_f32_maxpool_fwd_nhwc_3x3_##isa),     \
     SP_NAMED(sp_f32_maxpool_fwd_nhwc_2x2_##isa), SP_NAMED(sp_f32_avgpool_fwd_nhwc_##isa),     \
     SP_NAMED(sp_f32_maxpool_bwd_nhwc_##isa), SP_NAMED(sp_f32_avgpool_bwd_nhwc_##isa)}

#define SP_NCHW_NAMES(op, isa)                                                                 \
    {"f32_" op "_nchw_" #isa, "f32_" op "_nchw_k3s2_" #isa, "f32_" op "_nchw_k2s2_" #isa,      \
     "f32_" op "_nchw_k3s1_" #isa, "f32_" op "_nchw_s1_" #isa, "f32_" op "_nchw_s2_" #isa}

/* The same, except the average backward outside its global path (`avg_bwd`). */
#define SP_NCHW_SET_OF(isa, avg_bwd)                                                           \
    {sp_f32_maxpool_fwd_nchw_##isa,                                                            \
     sp_f32_avgpool_fwd_nchw_##isa,                                                            \
     sp_f32_avgpool_fwd_nchw_global_##isa,                                                     \
     sp_f32_maxpool_bwd_nchw_##isa,                                                            \
     sp_f32_avgpool_bwd_nchw_##avg_bwd,                                                        \
     sp_f32_avgpool_bwd_nchw_global_##isa,                                                     \
     SP_NCHW_NAMES("maxpool_fwd", isa),                                                        \
     SP_NCHW_NAMES("avgpool_fwd", isa),                                                        \
     "f32_avgpool_fwd_nchw_global_" #isa,                                                      \
     "f32_maxpool_bwd_nchw_" #isa,                                                             \
     "f32_avgpool_bwd_nchw_" #avg_bwd,                                                         \
     "f32_avgpool_bwd_nchw_global_" #isa}

#define SP_NCHW_SET(isa) SP_NCHW_SET_OF(isa, isa)

/* The streaming sets of the x86 ISAs are the *_nt kernels (SP_NHWC_SET(nt)),
 * except the NCHW average backward, which has no store to stream outside
 * its global path and stays the plain one. */
#define SP_NCHW_STREAMING_SET(isa, nt) SP_NCHW_SET_OF(nt, isa)

sp_forward_kernel sp_pick_forward_nhwc(const sp_nhwc_set *set, const sp_problem *p);
sp_backward_kernel sp_pick_backward_nhwc(const sp_nhwc_set *set, const sp_problem *p);
sp_forward_kernel sp_pick_forward_nchw(const sp_nchw_set *set, const sp_problem *p);
sp_backward_kernel sp_pick_backward_nchw(const sp_nchw_set *set, const sp_problem *p);

#endif
