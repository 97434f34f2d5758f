/* Option parsing for the simdpool driver; see options.h. */
#include "options.h"
#include "fail.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchdnn.h"

void tool_opts_init(tool_opts *o)
{
    memset(o, 0, sizeof *o);
    o->isa = SIMDPOOL_ISA_AUTO;
    o->seed = 1;
    o->verify = 1;
    o->threads = 1;
    o->min_time = 0.2;
    o->train = -1;
}

const char *tool_alg_name(simdpool_alg alg)
{
    switch (alg) {
    case SIMDPOOL_MAX: return "max";
    case SIMDPOOL_AVG_INCLUDE_PAD: return "avg_p";
    case SIMDPOOL_AVG_EXCLUDE_PAD: return "avg_np";
    }
    return "?";
}

const char *tool_layout_name(simdpool_layout l, int dims)
{
    static const char *const first[] = {"ncw", "nchw", "ncdhw"};
    static const char *const last[] = {"nwc", "nhwc", "ndhwc"};
    if (dims < 1 || dims > 3) return l == SIMDPOOL_CHANNELS_LAST ? "nhwc" : "nchw";
    return l == SIMDPOOL_CHANNELS_LAST ? last[dims - 1] : first[dims - 1];
}

const char *tool_dir_name(simdpool_direction d)
{
    return d == SIMDPOOL_BACKWARD ? "bwd" : "fwd";
}

/* A comma-separated list of words, each mapped by `map` to a bit. */
static int parse_set(const char *what, const char *value, int (*map)(const char *),
                     unsigned *set, char *err, size_t errlen)
{
    char buf[256];
    if (strlen(value) >= sizeof buf) return tool_fail(err, errlen, "--%s: value too long", what);
    strcpy(buf, value);
    *set = 0;
    for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int v = map(w);
        if (v < 0) return tool_fail(err, errlen, "--%s: unknown value '%s'", what, w);
        *set |= 1u << v;
    }
    if (!*set) return tool_fail(err, errlen, "--%s: empty value", what);
    return 0;
}

static int lower_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

static int map_alg(const char *w)
{
    if (lower_eq(w, "max") || lower_eq(w, "pooling_max") || lower_eq(w, "maxpool")) return 0;
    if (lower_eq(w, "avg") || lower_eq(w, "avg_p") || lower_eq(w, "avg-p") ||
        lower_eq(w, "avg_include_pad") || lower_eq(w, "pooling_avg_include_padding"))
        return 1;
    if (lower_eq(w, "avg_np") || lower_eq(w, "avg-np") || lower_eq(w, "avg_exclude_pad") ||
        lower_eq(w, "pooling_avg_exclude_padding") || lower_eq(w, "pooling_avg"))
        return 2;
    return -1;
}

static int map_dir(const char *w)
{
    if (lower_eq(w, "fwd") || lower_eq(w, "forward") || lower_eq(w, "fwd_d") ||
        lower_eq(w, "fwd_i"))
        return 0;
    if (lower_eq(w, "bwd") || lower_eq(w, "backward") || lower_eq(w, "bwd_d")) return 1;
    return -1;
}

static int map_layout(const char *w)
{
    static const char *const first[] = {"nchw", "ncw", "ncdhw", "abx", "channels_first",
                                        "channels-first", "contiguous", "ncx"};
    static const char *const last[] = {"nhwc", "nwc", "ndhwc", "axb", "channels_last",
                                       "channels-last", "nxc"};
    for (size_t i = 0; i < sizeof first / sizeof *first; i++)
        if (lower_eq(w, first[i])) return 0;
    for (size_t i = 0; i < sizeof last / sizeof *last; i++)
        if (lower_eq(w, last[i])) return 1;
    return -1;
}

static int parse_int(const char *what, const char *s, int64_t *v, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || errno)
        return tool_fail(err, errlen, "--%s: '%s' is not an integer", what, s);
    *v = x;
    return 0;
}

static int parse_list(const char *what, const char *s, tool_list *l, int max, char *err,
                      size_t errlen)
{
    l->n = 0;
    const char *p = s;
    /* Accept "3,3", "3x3", "(3, 3)" and "[3,3]". */
    while (*p) {
        while (*p == ' ' || *p == '(' || *p == '[') p++;
        if (!*p) break;
        if (l->n == max) return tool_fail(err, errlen, "--%s: more than %d values in '%s'", what,
                                     max, s);
        char *end;
        errno = 0;
        long long x = strtoll(p, &end, 10);
        if (end == p || errno) return tool_fail(err, errlen, "--%s: '%s' is not a list of integers",
                                           what, s);
        l->v[l->n++] = x;
        p = end;
        while (*p == ' ' || *p == ')' || *p == ']') p++;
        if (*p == ',' || *p == 'x') p++;
        else if (*p) return tool_fail(err, errlen, "--%s: '%s' is not a list of integers", what, s);
    }
    if (!l->n) return tool_fail(err, errlen, "--%s: empty list", what);
    return 0;
}

/* Boolean flag value: "", 1/0, on/off, yes/no, true/false. -1 if not one. */
static int parse_bool(const char *s)
{
    if (!s || !*s) return 1;
    if (lower_eq(s, "1") || lower_eq(s, "on") || lower_eq(s, "yes") || lower_eq(s, "true"))
        return 1;
    if (lower_eq(s, "0") || lower_eq(s, "off") || lower_eq(s, "no") || lower_eq(s, "false"))
        return 0;
    return -1;
}

int tool_opts_parse(tool_opts *o, int argc, char **argv, int allow_files, char *err,
                    size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == 0 || isdigit((unsigned char)arg[1])) {
            if (o->descriptor)
                return tool_fail(err, errlen, "unexpected argument '%s' (one benchdnn descriptor "
                                         "already given: '%s')", arg, o->descriptor);
            if (!benchdnn_looks_like(arg))
                return tool_fail(err, errlen, "unexpected argument '%s' (not an option nor a "
                                         "benchdnn descriptor like mb2ic16_ih32oh16_kh3sh2ph1)",
                            arg);
            o->descriptor = arg;
            continue;
        }
        /* Normalize: strip dashes, '_' -> '-', split at '='. */
        char name[64];
        const char *p = arg + (arg[1] == '-' ? 2 : 1);
        size_t n = 0;
        while (p[n] && p[n] != '=' && n < sizeof name - 1) {
            name[n] = p[n] == '_' ? '-' : p[n];
            n++;
        }
        name[n] = 0;
        const char *inline_value = p[n] == '=' ? p + n + 1 : NULL;

#define IS(s) (strcmp(name, s) == 0)
        int is_flag = IS("ceil-mode") || IS("ceil") || IS("verify") || IS("no-verify") ||
                      IS("bench") || IS("no-bench") || IS("help") || IS("h");
        if (IS("help") || IS("h")) return tool_fail(err, errlen, "help");
        static const char *const known[] = {
            "alg", "algorithm", "a", "dir", "direction", "d", "layout", "tag", "format",
            "memory-format", "isa", "shape", "input-shape", "size", "kernel", "kernel-size", "k",
            "stride", "s", "pad", "padding", "pad-begin", "p", "pad-end", "padding-end", "pad-r",
            "dilation", "divisor", "divisor-override", "desc", "descriptor", "prb", "problem",
            "mb", "seed", "threads", "nthr", "min-time", "name", "mode", "input", "src",
            "output", "dst", "indices", "ws", "diff-dst", "diff-src", NULL};
        int is_known = is_flag;
        for (int k = 0; !is_known && known[k]; k++) is_known = IS(known[k]);
        if (!is_known) return tool_fail(err, errlen, "unknown option '%s'", arg);
        const char *value = inline_value;
        if (is_flag) {
            /* A flag may take a boolean as its next word ("--verify off"). */
            if (!value && i + 1 < argc && parse_bool(argv[i + 1]) >= 0 && argv[i + 1][0])
                value = argv[++i];
            int b = parse_bool(value);
            if (b < 0) return tool_fail(err, errlen, "--%s: '%s' is not on/off", name, value);
            if (IS("ceil-mode") || IS("ceil")) o->ceil_mode = b;
            else if (IS("verify")) o->verify = b;
            else if (IS("no-verify")) o->verify = !b;
            else if (IS("bench")) o->bench = b;
            else if (IS("no-bench")) o->bench = !b;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc) return tool_fail(err, errlen, "--%s needs a value", name);
            value = argv[++i];
        }
        int rc = 0;
        int64_t v;
        if (IS("alg") || IS("algorithm") || IS("a"))
            rc = parse_set("alg", value, map_alg, &o->algs, err, errlen);
        else if (IS("dir") || IS("direction") || IS("d"))
            rc = parse_set("dir", value, map_dir, &o->dirs, err, errlen);
        else if (IS("layout") || IS("tag") || IS("format") || IS("memory-format"))
            rc = parse_set("layout", value, map_layout, &o->layouts, err, errlen);
        else if (IS("isa")) {
            if (simdpool_isa_from_name(value, &o->isa) != SIMDPOOL_OK)
                return tool_fail(err, errlen, "--isa: unknown ISA '%s' (known: auto, scalar, avx2, "
                                         "avx512, neon)", value);
            o->isa_given = 1;
        } else if (IS("shape") || IS("input-shape") || IS("size"))
            rc = parse_list("shape", value, &o->shape, SIMDPOOL_MAX_DIMS + 2, err, errlen);
        else if (IS("kernel") || IS("kernel-size") || IS("k"))
            rc = parse_list("kernel", value, &o->kernel, SIMDPOOL_MAX_DIMS, err, errlen);
        else if (IS("stride") || IS("s"))
            rc = parse_list("stride", value, &o->stride, SIMDPOOL_MAX_DIMS, err, errlen);
        else if (IS("pad") || IS("padding") || IS("pad-begin") || IS("p"))
            rc = parse_list("pad", value, &o->pad, SIMDPOOL_MAX_DIMS, err, errlen);
        else if (IS("pad-end") || IS("padding-end") || IS("pad-r"))
            rc = parse_list("pad-end", value, &o->pad_end, SIMDPOOL_MAX_DIMS, err, errlen);
        else if (IS("dilation"))
            rc = parse_list("dilation", value, &o->dilation, SIMDPOOL_MAX_DIMS, err, errlen);
        else if (IS("divisor") || IS("divisor-override")) {
            rc = parse_int("divisor", value, &o->divisor, err, errlen);
            if (!rc && o->divisor <= 0)
                return tool_fail(err, errlen, "--divisor: must be > 0");
        } else if (IS("desc") || IS("descriptor") || IS("prb") || IS("problem"))
            o->descriptor = value;
        else if (IS("mb")) {
            rc = parse_int("mb", value, &v, err, errlen);
            if (!rc && v < 0) return tool_fail(err, errlen, "--mb: must be >= 0");
            o->mb = v;
        } else if (IS("seed")) {
            rc = parse_int("seed", value, &v, err, errlen);
            o->seed = (uint64_t)v;
        } else if (IS("threads") || IS("nthr")) {
            if (lower_eq(value, "all")) v = 0;
            else rc = parse_int("threads", value, &v, err, errlen);
            if (!rc && (v < 0 || v > 4096)) return tool_fail(err, errlen, "--threads: 0..4096");
            o->threads = (int)v;
        } else if (IS("min-time")) {
            char *end;
            o->min_time = strtod(value, &end);
            if (end == value || *end || !(o->min_time > 0) || o->min_time > 600)
                return tool_fail(err, errlen, "--min-time: '%s' is not a time in seconds", value);
        } else if (IS("name"))
            o->name = value;
        else if (IS("mode")) {
            if (lower_eq(value, "train") || lower_eq(value, "training")) o->train = 1;
            else if (lower_eq(value, "infer") || lower_eq(value, "inference")) o->train = 0;
            else return tool_fail(err, errlen, "--mode: '%s' is not train or infer", value);
        }
        else if (IS("input") || IS("src") || IS("output") || IS("dst") || IS("indices") ||
                 IS("ws") || IS("diff-dst") || IS("diff-src")) {
            if (!allow_files) return tool_fail(err, errlen, "--%s: data files are not accepted here",
                                          name);
            if (IS("input") || IS("src")) o->input = value;
            else if (IS("output") || IS("dst")) o->output = value;
            else if (IS("indices") || IS("ws")) o->indices = value;
            else if (IS("diff-dst")) o->diff_dst = value;
            else o->diff_src = value;
        } else
            return tool_fail(err, errlen, "unknown option '%s'", arg);
#undef IS
        if (rc) return rc;
    }
    return 0;
}

/* Expands a per-dim list: n == dims, or one value for all, or the default. */
static int expand(const char *what, const tool_list *l, int dims, const int64_t *dflt,
                  int64_t *out, char *err, size_t errlen)
{
    for (int i = 0; i < dims; i++) {
        if (l->n == 0) out[i] = dflt[i];
        else if (l->n == 1) out[i] = l->v[0];
        else if (l->n == dims) out[i] = l->v[i];
        else
            return tool_fail(err, errlen, "--%s: %d values for a %dD problem (give %d, or one for "
                                     "all)", what, l->n, dims, dims);
    }
    return 0;
}

int tool_opts_desc(const tool_opts *o, simdpool_alg alg, simdpool_layout layout,
                   simdpool_desc *d, char *name, size_t namelen, char *err, size_t errlen)
{
    if (name && namelen) name[0] = 0;
    if (o->descriptor) {
        if (o->shape.n || o->kernel.n || o->stride.n || o->pad.n || o->pad_end.n ||
            o->dilation.n || o->ceil_mode)
            return tool_fail(err, errlen, "give the problem either as a benchdnn descriptor or as "
                                     "--shape/--kernel/... flags, not both");
        simdpool_desc_init(d, alg, layout, 2);
        if (benchdnn_parse(o->descriptor, d, name, namelen, err, errlen)) return -1;
        d->alg = alg;
        d->layout = layout;
        d->divisor_override = o->divisor;
        if (o->mb > 0) d->batch = o->mb;
        return 0;
    }
    if (!o->shape.n)
        return tool_fail(err, errlen, "no problem: give --shape N,C,[D,][H,]W and --kernel, or a "
                                 "benchdnn descriptor");
    if (o->shape.n < 3 || o->shape.n > 5)
        return tool_fail(err, errlen, "--shape: %d values; give N,C,W (1D), N,C,H,W (2D) or "
                                 "N,C,D,H,W (3D)", o->shape.n);
    int dims = o->shape.n - 2;
    simdpool_desc_init(d, alg, layout, dims);
    d->batch = o->mb > 0 ? o->mb : o->shape.v[0];
    d->channels = o->shape.v[1];
    for (int i = 0; i < dims; i++) d->in[i] = o->shape.v[2 + i];
    if (!o->kernel.n) return tool_fail(err, errlen, "--kernel is required");
    int64_t ones[3] = {1, 1, 1}, zeros[3] = {0, 0, 0};
    if (expand("kernel", &o->kernel, dims, ones, d->kernel, err, errlen)) return -1;
    if (expand("stride", &o->stride, dims, d->kernel, d->stride, err, errlen)) return -1;
    if (expand("pad", &o->pad, dims, zeros, d->pad_begin, err, errlen)) return -1;
    if (expand("pad-end", &o->pad_end, dims, d->pad_begin, d->pad_end, err, errlen)) return -1;
    if (expand("dilation", &o->dilation, dims, ones, d->dilation, err, errlen)) return -1;
    d->ceil_mode = o->ceil_mode;
    d->divisor_override = o->divisor;
    return 0;
}

int tool_split_words(char *line, char **words, int max)
{
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p || *p == '#') break;
        if (*p == '"') {
            words[n++] = ++p;
            while (*p && *p != '"') p++;
        } else {
            words[n++] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#') {
                if (*p == '"') { /* n"name with spaces" inside a descriptor */
                    p++;
                    while (*p && *p != '"') p++;
                    if (*p) p++;
                    continue;
                }
                p++;
            }
        }
        if (*p == '#') {
            *p = 0;
            break;
        }
        if (*p) *p++ = 0;
    }
    return n;
}

static size_t put_list(char *buf, size_t len, size_t used, const char *opt, const int64_t *v,
                       int dims)
{
    if (used >= len) return used;
    used += (size_t)snprintf(buf + used, len - used, " --%s ", opt);
    for (int i = 0; i < dims && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? ",%lld" : "%lld", (long long)v[i]);
    return used;
}

void tool_desc_cmdline(const simdpool_desc *d, simdpool_direction dir, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "--alg %s --dir %s --layout %s --shape %lld,%lld",
                                   tool_alg_name(d->alg), tool_dir_name(dir),
                                   d->layout == SIMDPOOL_CHANNELS_LAST ? "nhwc" : "nchw",
                                   (long long)d->batch, (long long)d->channels);
    for (int i = 0; i < d->dims && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, ",%lld", (long long)d->in[i]);
    used = put_list(buf, len, used, "kernel", d->kernel, d->dims);
    used = put_list(buf, len, used, "stride", d->stride, d->dims);
    used = put_list(buf, len, used, "pad", d->pad_begin, d->dims);
    used = put_list(buf, len, used, "pad-end", d->pad_end, d->dims);
    used = put_list(buf, len, used, "dilation", d->dilation, d->dims);
    if (d->ceil_mode && used < len) used += (size_t)snprintf(buf + used, len - used, " --ceil-mode");
    if (d->divisor_override && used < len)
        snprintf(buf + used, len - used, " --divisor %lld", (long long)d->divisor_override);
}

static int all_same(const int64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        if (v[i] != v[0]) return 0;
    return 1;
}

static size_t short_list(char *buf, size_t len, size_t used, const char *tag, const int64_t *v,
                         int n)
{
    if (used >= len) return used;
    if (all_same(v, n)) return used + (size_t)snprintf(buf + used, len - used, " %s%lld", tag,
                                                       (long long)v[0]);
    used += (size_t)snprintf(buf + used, len - used, " %s", tag);
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? "x%lld" : "%lld", (long long)v[i]);
    return used;
}

void tool_desc_short(const simdpool_desc *d, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%lldx%lld", (long long)d->batch,
                                   (long long)d->channels);
    for (int i = 0; i < d->dims && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "x%lld", (long long)d->in[i]);
    used = short_list(buf, len, used, "k", d->kernel, d->dims);
    used = short_list(buf, len, used, "s", d->stride, d->dims);
    int pad = 0, sym = 1;
    for (int i = 0; i < d->dims; i++) {
        if (d->pad_begin[i] || d->pad_end[i]) pad = 1;
        if (d->pad_begin[i] != d->pad_end[i]) sym = 0;
    }
    if (pad) used = short_list(buf, len, used, "p", d->pad_begin, d->dims);
    if (pad && !sym) used = short_list(buf, len, used, "pe", d->pad_end, d->dims);
    int dil = 0;
    for (int i = 0; i < d->dims; i++) dil |= d->dilation[i] != 1;
    if (dil) used = short_list(buf, len, used, "d", d->dilation, d->dims);
    if (d->ceil_mode && used < len) used += (size_t)snprintf(buf + used, len - used, " ceil");
    if (d->divisor_override && used < len)
        snprintf(buf + used, len - used, " div%lld", (long long)d->divisor_override);
}
