/*
 * Benchmark problem lists: the built-in default suite and problem files, in
 * one grammar. A line is `simdpool run` problem options (PyTorch-style flags
 * or a benchdnn descriptor), where --alg, --dir and --layout may be lists
 * (max,avg_np; fwd,bwd; nchw,nhwc), plus --name NAME and --mode train|infer
 * (training keeps max's indices: forward writes them, backward reads them).
 * Defaults: --alg max, --dir fwd, --layout nchw,nhwc; the mode is training when
 * the line has bwd, else inference. '#' starts a comment. Every line expands
 * into cases, one per (alg, dir, layout).
 */
#ifndef SP_TOOL_SUITE_H
#define SP_TOOL_SUITE_H

#include <stddef.h>

#include "simdpool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tool_case {
    char problem[96]; /* the line's name, e.g. resnet50_stem_b1 */
    char name[160];   /* problem/alg/dir/layout, e.g. resnet50_stem_b1/max/fwd/nchw */
    char label[96];   /* network and layer, or the benchdnn descriptor's name */
    simdpool_desc desc;
    simdpool_direction dir;
    int train; /* max: forward writes indices, backward reads them */
} tool_case;

/* The default suite's lines, NULL-terminated. */
extern const char *const tool_default_suite[];

/*
 * Expands lines from `path` (NULL: the default suite) into *cases (malloc'ed).
 * `mb` > 0 overrides every batch. Returns the count, or -1 with a reason
 * naming the file and line.
 */
int tool_cases_load(const char *path, long long mb, tool_case **cases, char *err,
                    size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
