/*
 * The problem and run options shared by `simdpool run`, `simdpool bench`
 * problem files and the benchmark binary: PyTorch-style flags or a benchdnn
 * descriptor, plus data files, verification and timing.
 */
#ifndef SP_TOOL_OPTIONS_H
#define SP_TOOL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "simdpool.h"

typedef struct tool_list {
    int n; /* 0: not given */
    int64_t v[SIMDPOOL_MAX_DIMS + 2];
} tool_list;

typedef struct tool_opts {
    /* Sets of values (bit i = enum value i); 0 when not given. */
    unsigned algs, dirs, layouts;
    simdpool_isa isa;
    int isa_given;
    /* PyTorch-style problem. */
    tool_list shape, kernel, stride, pad, pad_end, dilation;
    int ceil_mode;
    int64_t divisor;
    /* benchdnn descriptor (a positional word or --desc). */
    const char *descriptor;
    int64_t mb; /* --mb: overrides the batch (0: keep) */
    /* Data. */
    const char *input, *output, *indices, *diff_dst, *diff_src;
    uint64_t seed;
    /* What to do. */
    int verify, bench;
    int threads;     /* 1 by default; 0 = all online CPUs */
    double min_time; /* seconds per timed variant */
    const char *name;
    int train; /* --mode: 1 training (max keeps indices), 0 inference, -1 not given */
} tool_opts;

void tool_opts_init(tool_opts *o);

/*
 * Parses argv[0..argc) into o. Options take `--name value` or `--name=value`;
 * underscores in names count as dashes. Returns 0, or -1 with a one-line
 * reason. `allow_files`: whether data-file options are accepted.
 */
int tool_opts_parse(tool_opts *o, int argc, char **argv, int allow_files, char *err,
                    size_t errlen);

/* Builds the problem for one (alg, layout). 0 or -1 + reason. `name` gets the
 * descriptor's name when there is one (may be NULL). */
int tool_opts_desc(const tool_opts *o, simdpool_alg alg, simdpool_layout layout,
                   simdpool_desc *desc, char *name, size_t namelen, char *err, size_t errlen);

/* Splits a line into words in place (spaces and tabs; '#' starts a comment;
 * "double quotes" group). Returns the word count (at most max). */
int tool_split_words(char *line, char **words, int max);

/* Names of enum values as the driver spells them. */
const char *tool_alg_name(simdpool_alg alg);      /* max, avg_p, avg_np */
const char *tool_layout_name(simdpool_layout l, int dims); /* nchw / nhwc (ncw.. for info) */
const char *tool_dir_name(simdpool_direction d);  /* fwd, bwd */

/* The problem as `simdpool run` options (PyTorch-style, every field explicit). */
void tool_desc_cmdline(const simdpool_desc *d, simdpool_direction dir, char *buf, size_t len);

/* A short human description, e.g. "1x64x112x112 k3 s2 p1". */
void tool_desc_short(const simdpool_desc *d, char *buf, size_t len);

#endif
