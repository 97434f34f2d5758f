/*
 * Reading Google Benchmark's --benchmark_format=json output: just the
 * "benchmarks" array, each entry's name, real time, time unit, label and
 * error, which is what `simdpool bench` needs to put the peers in its table.
 */
#ifndef SP_TOOL_BENCH_JSON_H
#define SP_TOOL_BENCH_JSON_H

#include <stddef.h>

typedef struct gb_entry {
    char name[200];   /* without Google Benchmark's "/real_time" suffix */
    char label[96];
    char error[160];  /* empty unless error_occurred */
    double seconds;   /* real time per iteration */
    int aggregate;    /* run_type "aggregate" (mean/median rows) */
} gb_entry;

/* Parses `text`; returns the number of entries (malloc'ed in *out), or -1
 * with a reason in err. */
int gb_parse(const char *text, gb_entry **out, char *err, size_t errlen);

#endif
