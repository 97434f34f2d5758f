/* The results of `simdpool bench` and their outputs: table, JSON, SVG chart. */
#ifndef SP_TOOL_BENCH_REPORT_H
#define SP_TOOL_BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "suite.h"

/* Columns: simdpool's ISAs by simdpool_isa value, then the ceiling, then peers. */
enum {
    IMPL_CEILING = SIMDPOOL_ISA_COUNT,
    IMPL_ONEDNN,
    IMPL_TORCH,
    IMPL_XNNPACK,
    IMPL_COUNT
};
extern const char *const impl_names[IMPL_COUNT];

typedef struct bench_times {
    double seconds[IMPL_COUNT]; /* median per call; < 0: not run */
    char kernel[IMPL_COUNT][64];
    int mismatch[IMPL_COUNT];   /* verification against the scalar reference failed */
} bench_times;

typedef struct bench_row {
    tool_case c;
    int64_t read_bytes, write_bytes;
    int64_t ref_batch; /* images the scalar reference ran on; its time is scaled */
    bench_times one; /* one thread */
    bench_times all; /* all cores: the default ISA, the ceiling, peers that thread */
} bench_row;

typedef struct bench_report {
    bench_row *rows;
    int count;
    int threads_all;       /* CPUs used for the second table; 0: no second table */
    simdpool_isa best;     /* the dispatcher's choice */
    unsigned isas;         /* ISAs timed */
    unsigned impls_seen;   /* columns with at least one figure */
    char machine[160];
    char peers_note[4608];  /* why peers are missing, or which binary ran them */
    double min_time;
} bench_report;

void report_table(FILE *to, const bench_report *r, int all_cores);
int report_json(const char *path, const bench_report *r, char *err, size_t errlen);
int report_svg(const char *path, const bench_report *r, char *err, size_t errlen);

#endif
