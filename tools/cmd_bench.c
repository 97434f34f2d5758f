/*
 * `simdpool bench`: the default suite (or a problem file) timed for every
 * runnable ISA, the scalar reference and the streaming ceiling, with the peers
 * (oneDNN, PyTorch, XNNPACK) taken from the Google Benchmark binary
 * simdpool-bench, which this command runs and reads (JSON). Without that
 * binary the table still has simdpool, the reference and the ceiling.
 */
#include <float.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_json.h"
#include "bench_report.h"
#include "commands.h"
#include "harness.h"
#include "options.h"
#include "suite.h"

static void bench_usage(FILE *to)
{
    fprintf(to,
"usage: simdpool bench [FILE] [options]\n"
"  FILE / --problems FILE  problems, one per line, as `simdpool run` options or a benchdnn\n"
"                          descriptor; --alg/--dir/--layout may be lists (max,avg_np fwd,bwd\n"
"                          nchw,nhwc); --name NAME; --mode train|infer. Default: built-in suite\n"
"  --filter REGEX          only cases whose name (problem/alg/dir/layout) matches\n"
"  --list                  print the cases and exit\n"
"  --mb N                  override every batch size\n"
"  --min-time SECONDS      per timed variant (default 0.05; the scalar reference gets less)\n"
"  --isa LIST              simdpool ISAs to time (default: every runnable one)\n"
"  --threads N|all|1       the second table's thread count (default all; 1 = no second table)\n"
"  --no-peers              skip oneDNN/PyTorch/XNNPACK\n"
"  --peers-binary PATH     the Google Benchmark binary (default: simdpool-bench beside this\n"
"                          program or in ../bench of its build tree; env SIMDPOOL_BENCH_BINARY)\n"
"  --json FILE             write every figure as JSON\n"
"  --svg FILE              write a chart (speedup over scalar per case, ISA and peer)\n"
"exit status: 0 ok, 1 some ISA differs from the scalar reference, 2 bad command line\n");
}

static int fail2(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "simdpool bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 2;
}

/* Images the scalar reference runs on (see time_case). */
#define REF_BATCH 4

static void *xcalloc(size_t n, size_t size)
{
    void *p = tool_alloc(n * size);
    if (!p) {
        fprintf(stderr, "simdpool bench: out of memory\n");
        exit(2);
    }
    return p;
}

/* Random data in [-1, 1): every sum has at most `taps` terms of magnitude <= 1
 * and divisors are >= 1, so 4 * taps * eps * taps bounds any order's error. */
static int differs(const float *got, const float *want, int64_t n, int exact, double taps)
{
    double tol = exact ? 0 : 4.0 * taps * taps * FLT_EPSILON;
    for (int64_t i = 0; i < n; i++) {
        float g = got[i], w = want[i];
        if (isnan(g) && isnan(w)) continue;
        if (exact ? memcmp(&g, &w, sizeof g) != 0 : !(g == w || fabs((double)g - w) <= tol))
            return 1;
    }
    return 0;
}

static void machine_name(char *buf, size_t len)
{
    char model[128] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5)) {
                char *colon = strchr(line, ':');
                if (colon) {
                    colon++;
                    while (*colon == ' ') colon++;
                    colon[strcspn(colon, "\n")] = 0;
                    snprintf(model, sizeof model, "%s", colon);
                    break;
                }
            }
        }
        fclose(f);
    }
    snprintf(buf, len, "%s, %d CPUs", model, tool_online_cpus());
}

/* Times one case for every ISA asked, the reference, the ceiling; all cores too. */
static void time_case(bench_row *row, unsigned isas, simdpool_isa best, int threads_all,
                      double min_time, unsigned *seen)
{
    const tool_case *c = &row->c;
    int fwd = c->dir == SIMDPOOL_FORWARD, is_max = c->desc.alg == SIMDPOOL_MAX;
    for (int i = 0; i < IMPL_COUNT; i++) row->one.seconds[i] = row->all.seconds[i] = -1;
    simdpool_plan *sizes;
    if (simdpool_plan_create_for_isa(&c->desc, SIMDPOOL_ISA_SCALAR, &sizes) != SIMDPOOL_OK) return;
    int64_t ns = simdpool_plan_src_elements(sizes), nd = simdpool_plan_dst_elements(sizes);
    int64_t taps = 1;
    for (int i = 0; i < c->desc.dims; i++) taps *= c->desc.kernel[i];
    tool_stream_bytes(sizes, c->dir, c->train, &row->read_bytes, &row->write_bytes);
    if (!fwd && is_max && !c->train) row->read_bytes += ns * (int64_t)sizeof(float);
    simdpool_plan_destroy(sizes);

    /* The scalar reference runs on the first REF_BATCH images only: images
     * are independent and come first in both layouts, so that is a prefix of
     * every tensor; its time is scaled to the whole batch and the vector ISAs
     * are checked on that prefix. (It is what keeps the suite's batch-32
     * problems within minutes.) */
    int64_t batch = c->desc.batch;
    int64_t kb = batch < REF_BATCH ? batch : REF_BATCH;
    row->ref_batch = kb;
    simdpool_desc rd = c->desc;
    rd.batch = kb;
    simdpool_plan *ref;
    if (simdpool_plan_create_for_isa(&rd, SIMDPOOL_ISA_SCALAR, &ref) != SIMDPOOL_OK) return;
    int64_t rns = ns / batch * kb, rnd = nd / batch * kb;

    float *src = xcalloc((size_t)ns, sizeof(float));
    tool_fill_random(src, ns, 1);
    float *out = xcalloc((size_t)(fwd ? nd : ns), sizeof(float));
    float *want = xcalloc((size_t)(fwd ? rnd : rns), sizeof(float));
    /* Map every page now: the reference's first call is its timing. */
    memset(out, 0, sizeof(float) * (size_t)(fwd ? nd : ns));
    memset(want, 0, sizeof(float) * (size_t)(fwd ? rnd : rns));
    float *diff_dst = NULL;
    int64_t *idx = NULL, *want_idx = NULL;
    if (is_max && (c->train || !fwd)) {
        idx = xcalloc((size_t)nd, sizeof(int64_t));
        want_idx = xcalloc((size_t)nd, sizeof(int64_t));
        memset(idx, 0, sizeof(int64_t) * (size_t)nd);
        memset(want_idx, 0, sizeof(int64_t) * (size_t)nd);
    }
    if (!fwd) {
        diff_dst = xcalloc((size_t)nd, sizeof(float));
        tool_fill_random(diff_dst, nd, 2);
        if (is_max) {
            /* The indices backward reads, for the whole batch, from the
             * default ISA's forward pass (checked in the forward cases). */
            simdpool_plan *fp;
            if (simdpool_plan_create_for_isa(&c->desc, best, &fp) == SIMDPOOL_OK) {
                float *tmp = xcalloc((size_t)nd, sizeof(float));
                simdpool_forward(fp, src, tmp, want_idx);
                free(tmp);
                simdpool_plan_destroy(fp);
            }
        }
    }
    tool_call base = {.dir = c->dir, .src = src, .diff_dst = diff_dst, .threads = 1};
    if (fwd) {
        base.fwd_idx = c->train ? idx : NULL;
    } else {
        base.bwd_idx = is_max && c->train ? want_idx : NULL;
    }

    tool_call rc = base;
    rc.plan = ref;
    if (fwd) {
        rc.dst = want;
        rc.fwd_idx = c->train ? want_idx : NULL;
    } else {
        rc.diff_src = want;
    }
    double scale = (double)batch / (double)kb;
    row->one.seconds[SIMDPOOL_ISA_SCALAR] = tool_time(tool_call_plan, &rc, min_time / 2, 7) * scale;
    snprintf(row->one.kernel[SIMDPOOL_ISA_SCALAR], 64, "%s", simdpool_plan_kernel_name(ref, c->dir));
    *seen |= 1u << SIMDPOOL_ISA_SCALAR;

    for (int isa = 1; isa < SIMDPOOL_ISA_COUNT; isa++) {
        if (!(isas & (1u << isa))) continue;
        simdpool_plan *plan;
        if (simdpool_plan_create_for_isa(&c->desc, (simdpool_isa)isa, &plan) != SIMDPOOL_OK) continue;
        tool_call cc = base;
        cc.plan = plan;
        if (fwd) cc.dst = out;
        else cc.diff_src = out;
        if (idx && fwd) cc.fwd_idx = c->train ? idx : NULL;
        tool_call_plan(&cc);
        int bad = cc.status != SIMDPOOL_OK ||
                  differs(out, want, fwd ? rnd : rns, fwd && is_max, (double)taps) ||
                  (fwd && c->train && idx && memcmp(idx, want_idx, (size_t)rnd * sizeof(int64_t)));
        row->one.mismatch[isa] = bad;
        row->one.seconds[isa] = tool_time(tool_call_plan, &cc, min_time, 1000);
        snprintf(row->one.kernel[isa], 64, "%s", simdpool_plan_kernel_name(plan, c->dir));
        *seen |= 1u << isa;
        if (isa == (int)best && threads_all > 1) {
            cc.threads = threads_all;
            row->all.seconds[isa] = tool_time(tool_call_plan, &cc, min_time, 1000);
            snprintf(row->all.kernel[isa], 64, "%s", row->one.kernel[isa]);
            row->all.mismatch[isa] = bad;
        }
        simdpool_plan_destroy(plan);
    }
    if (best == SIMDPOOL_ISA_SCALAR && threads_all > 1) {
        tool_call cc = rc;
        cc.threads = threads_all;
        row->all.seconds[SIMDPOOL_ISA_SCALAR] = tool_time(tool_call_plan, &cc, min_time / 2, 7) * scale;
        snprintf(row->all.kernel[SIMDPOOL_ISA_SCALAR], 64, "%s", row->one.kernel[SIMDPOOL_ISA_SCALAR]);
    }
    free(src);
    free(out);
    free(want);
    free(diff_dst);
    free(idx);
    free(want_idx);
    simdpool_plan_destroy(ref);

    /* The ceiling: the same bytes streamed, in this run. */
    tool_call sc = {.in_bytes = (size_t)row->read_bytes, .out_bytes = (size_t)row->write_bytes,
                   .threads = 1};
    void *in = xcalloc(sc.in_bytes, 1), *o = xcalloc(sc.out_bytes, 1);
    memset(in, 1, sc.in_bytes);
    memset(o, 0, sc.out_bytes); /* map the pages before timing */
    sc.stream_in = in;
    sc.stream_out = o;
    row->one.seconds[IMPL_CEILING] = tool_time_ceiling(&sc, min_time);
    snprintf(row->one.kernel[IMPL_CEILING], 64, "stream_%s%s", tool_stream_isa(),
             sc.nontemporal ? "_nt" : "");
    if (threads_all > 1) {
        sc.threads = threads_all;
        /* The ceiling is the fastest way to stream the bytes: on small
         * problems starting threads costs more than one thread's copy. */
        int one_nt = sc.nontemporal;
        double t = tool_time_ceiling(&sc, min_time);
        double one = row->one.seconds[IMPL_CEILING];
        if (one > 0 && one < t) {
            t = one;
            sc.nontemporal = one_nt;
        }
        row->all.seconds[IMPL_CEILING] = t;
        snprintf(row->all.kernel[IMPL_CEILING], 64, "stream_%s%s", tool_stream_isa(),
                 sc.nontemporal ? "_nt" : "");
    }
    *seen |= 1u << IMPL_CEILING;
    free(in);
    free(o);
}

/* The Google Benchmark binary: explicit, environment, beside us, build tree. */
static int find_peers_binary(const char *given, char *out, size_t len)
{
    if (given) {
        snprintf(out, len, "%s", given);
        return access(out, X_OK) == 0;
    }
    const char *env = getenv("SIMDPOOL_BENCH_BINARY");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, X_OK) == 0;
    }
    char self[3072];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 0;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return 0;
    *slash = 0;
    static const char *const rel[] = {"simdpool-bench", "../bench/simdpool-bench"};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        snprintf(out, len, "%s/%s", self, rel[i]);
        if (access(out, X_OK) == 0) return 1;
    }
    return 0;
}

static void shell_quote(char *buf, size_t len, const char *s)
{
    size_t u = strlen(buf);
    if (u + 2 >= len) return;
    buf[u++] = '\'';
    for (; *s && u + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(buf + u, "'\\''", 4);
            u += 4;
        } else
            buf[u++] = *s;
    }
    buf[u++] = '\'';
    buf[u] = 0;
}

static int impl_of(const char *name)
{
    for (int i = IMPL_ONEDNN; i < IMPL_COUNT; i++)
        if (!strcmp(name, impl_names[i])) return i;
    return -1;
}

/* Runs the peers' benchmarks and files their times into the rows. */
static void run_peers(bench_report *r, const char *binary, const char *problems, long long mb,
                      const char *filter, double min_time, int threads_all)
{
    char cmd[8192] = "";
    shell_quote(cmd, sizeof cmd, binary);
    size_t u = strlen(cmd);
    if (problems) {
        snprintf(cmd + u, sizeof cmd - u, " --problems=");
        shell_quote(cmd, sizeof cmd, problems);
        u = strlen(cmd);
    }
    if (mb > 0) u += (size_t)snprintf(cmd + u, sizeof cmd - u, " --mb=%lld", mb);
    if (threads_all <= 1) u += (size_t)snprintf(cmd + u, sizeof cmd - u, " --no-mt");
    /* Peers only: names are CASE/PEER or CASE/PEER/mt (+ "/real_time"). With a
     * --filter, the cases kept are listed by name (Google Benchmark's POSIX
     * regex has no lookahead to combine two patterns). */
    size_t relen = 64;
    for (int k = 0; filter && k < r->count; k++) relen += 2 * strlen(r->rows[k].c.name) + 2;
    char *re = xcalloc(relen + 64, 1);
    size_t ru = 0;
    if (filter) {
        re[ru++] = '^';
        re[ru++] = '(';
        for (int k = 0; k < r->count; k++) {
            if (k) re[ru++] = '|';
            for (const char *q = r->rows[k].c.name; *q; q++) {
                if (*q == '.') re[ru++] = '\\';
                re[ru++] = *q;
            }
        }
        re[ru++] = ')';
    }
    snprintf(re + ru, relen + 64 - ru, "/(onednn|torch|xnnpack)(/mt)?(/real_time)?$");
    u += (size_t)snprintf(cmd + u, sizeof cmd - u, " --benchmark_format=json "
                                                   "--benchmark_min_time=%g --benchmark_filter=",
                          min_time);
    /* The binary's stderr goes to a file: its first line explains a failure. */
    char errpath[] = "/tmp/simdpool-bench-XXXXXX";
    int errfd = mkstemp(errpath);
    if (errfd >= 0) close(errfd);
    size_t fulllen = strlen(cmd) + 4 * strlen(re) + sizeof errpath + 32;
    char *full = xcalloc(fulllen, 1);
    strcpy(full, cmd);
    shell_quote(full, fulllen, re);
    if (errfd >= 0) {
        strcat(full, " 2>");
        shell_quote(full, fulllen, errpath);
    }
    free(re);
    fprintf(stderr, "simdpool bench: peers from %s\n", binary);
    fflush(stderr);
    FILE *p = popen(full, "r");
    free(full);
    if (!p) {
        snprintf(r->peers_note, sizeof r->peers_note, "could not run %s", binary);
        return;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = xcalloc(cap, 1);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (len + 1 >= cap) {
            char *g = realloc(text, cap * 2);
            if (!g) break;
            text = g;
            cap *= 2;
        }
    }
    text[len] = 0;
    int status = pclose(p);
    char first_err[256] = "";
    if (errfd >= 0) {
        FILE *ef = fopen(errpath, "r");
        if (ef) {
            if (fgets(first_err, sizeof first_err, ef)) first_err[strcspn(first_err, "\n")] = 0;
            fclose(ef);
        }
        unlink(errpath);
    }
    gb_entry *e;
    char err[256];
    int n = gb_parse(text, &e, err, sizeof err);
    free(text);
    if (n < 0) {
        if (strstr(first_err, "Failed to match any benchmarks"))
            snprintf(r->peers_note, sizeof r->peers_note, "none: %s has no peer for these cases "
                     "(built without oneDNN/PyTorch/XNNPACK? see -Donednn -Dtorch -Dxnnpack)",
                     binary);
        else
            snprintf(r->peers_note, sizeof r->peers_note, "%s failed (exit status %d): %s", binary,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, first_err[0] ? first_err : err);
        return;
    }
    int filed = 0;
    for (int i = 0; i < n; i++) {
        if (e[i].aggregate || e[i].error[0] || e[i].seconds < 0) continue;
        /* case/impl or case/impl/mt */
        char name[200];
        snprintf(name, sizeof name, "%s", e[i].name);
        int mt = 0;
        size_t l = strlen(name);
        if (l > 3 && !strcmp(name + l - 3, "/mt")) {
            mt = 1;
            name[l - 3] = 0;
        }
        char *slash = strrchr(name, '/');
        if (!slash) continue;
        *slash = 0;
        int impl = impl_of(slash + 1);
        if (impl < 0) continue;
        for (int k = 0; k < r->count; k++) {
            if (strcmp(r->rows[k].c.name, name)) continue;
            bench_times *t = mt ? &r->rows[k].all : &r->rows[k].one;
            t->seconds[impl] = e[i].seconds;
            snprintf(t->kernel[impl], 64, "%.63s", e[i].label[0] ? e[i].label : impl_names[impl]);
            r->impls_seen |= 1u << impl;
            filed++;
        }
    }
    free(e);
    if (filed)
        snprintf(r->peers_note, sizeof r->peers_note, "%d peer figures from %s", filed, binary);
    else
        snprintf(r->peers_note, sizeof r->peers_note, "none: %s has no peer for these cases (built "
                 "without oneDNN/PyTorch/XNNPACK? see -Donednn -Dtorch -Dxnnpack)", binary);
}

int cmd_bench(int argc, char **argv, const char *argv0)
{
    (void)argv0;
    const char *problems = NULL, *json = NULL, *svg = NULL, *filter = NULL, *binary = NULL;
    long long mb = 0;
    double min_time = 0.05;
    int peers = 1, list = 0, threads_all = tool_online_cpus();
    unsigned isas = simdpool_isas_runnable();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        char name[64];
        size_t n = strcspn(a, "=");
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), a);
        for (char *q = name; *q; q++)
            if (*q == '_') *q = '-';
        if (a[n] == '=') v = a + n + 1;
#define WANT_VALUE()                                                                   \
    do {                                                                               \
        if (!v) {                                                                      \
            if (i + 1 >= argc) return fail2("%s needs a value", name);                 \
            v = argv[++i];                                                             \
        }                                                                              \
    } while (0)
        if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
            bench_usage(stdout);
            return 0;
        } else if (!strcmp(name, "--problems")) {
            WANT_VALUE();
            problems = v;
        } else if (!strcmp(name, "--json")) {
            WANT_VALUE();
            json = v;
        } else if (!strcmp(name, "--svg") || !strcmp(name, "--chart")) {
            WANT_VALUE();
            svg = v;
        } else if (!strcmp(name, "--filter")) {
            WANT_VALUE();
            filter = v;
        } else if (!strcmp(name, "--peers-binary")) {
            WANT_VALUE();
            binary = v;
        } else if (!strcmp(name, "--mb")) {
            WANT_VALUE();
            char *end;
            mb = strtoll(v, &end, 10);
            if (*end || mb < 0) return fail2("--mb: '%s' is not a batch size", v);
        } else if (!strcmp(name, "--min-time")) {
            WANT_VALUE();
            char *end;
            min_time = strtod(v, &end);
            if (*end || !(min_time > 0) || min_time > 60)
                return fail2("--min-time: '%s' is not a time in seconds", v);
        } else if (!strcmp(name, "--threads")) {
            WANT_VALUE();
            if (!strcmp(v, "all") || !strcmp(v, "0")) threads_all = tool_online_cpus();
            else {
                char *end;
                long t = strtol(v, &end, 10);
                if (*end || t < 1 || t > 4096) return fail2("--threads: '%s'", v);
                threads_all = (int)t;
            }
        } else if (!strcmp(name, "--isa")) {
            WANT_VALUE();
            char buf[128];
            snprintf(buf, sizeof buf, "%s", v);
            isas = 1u << SIMDPOOL_ISA_SCALAR;
            for (char *s = NULL, *w = strtok_r(buf, ",", &s); w; w = strtok_r(NULL, ",", &s)) {
                simdpool_isa isa;
                if (simdpool_isa_from_name(w, &isa) != SIMDPOOL_OK || isa == SIMDPOOL_ISA_AUTO)
                    return fail2("--isa: unknown ISA '%s'", w);
                if (!(simdpool_isas_runnable() & (1u << isa)))
                    return fail2("--isa: %s is not runnable here", w);
                isas |= 1u << isa;
            }
        } else if (!strcmp(name, "--no-peers")) {
            peers = 0;
        } else if (!strcmp(name, "--list")) {
            list = 1;
        } else if (a[0] != '-' && !problems) {
            problems = a;
        } else {
            return fail2("unknown option '%s' (see simdpool bench --help)", a);
        }
#undef WANT_VALUE
    }

    tool_case *cases;
    char err[512];
    int n = tool_cases_load(problems, mb, &cases, err, sizeof err);
    if (n < 0) return fail2("%s", err);
    regex_t re;
    if (filter && regcomp(&re, filter, REG_EXTENDED | REG_NOSUB)) {
        free(cases);
        return fail2("--filter: bad regular expression '%s'", filter);
    }
    bench_report r;
    memset(&r, 0, sizeof r);
    r.rows = xcalloc((size_t)n, sizeof *r.rows);
    for (int i = 0; i < n; i++)
        if (!filter || regexec(&re, cases[i].name, 0, NULL, 0) == 0) r.rows[r.count++].c = cases[i];
    free(cases);
    if (filter) regfree(&re);
    if (!r.count) {
        free(r.rows);
        return fail2("no case matches --filter '%s'", filter ? filter : "");
    }
    if (list) {
        for (int i = 0; i < r.count; i++) {
            char cmd[1024];
            tool_desc_cmdline(&r.rows[i].c.desc, r.rows[i].c.dir, cmd, sizeof cmd);
            printf("%-44s %s%s\n", r.rows[i].c.name, cmd,
                   r.rows[i].c.train && r.rows[i].c.desc.alg == SIMDPOOL_MAX ? " (with indices)" : "");
        }
        free(r.rows);
        return 0;
    }
    simdpool_status st = simdpool_get_isa(&r.best);
    if (st != SIMDPOOL_OK) {
        const char *env = getenv("SIMDPOOL_ISA");
        free(r.rows);
        return fail2("%s%s%s%s", env ? "SIMDPOOL_ISA=" : "", env ? env : "", env ? ": " : "",
                     simdpool_status_message(st));
    }
    isas |= 1u << r.best;
    r.isas = isas;
    r.threads_all = threads_all > 1 ? threads_all : 0;
    r.min_time = min_time;
    machine_name(r.machine, sizeof r.machine);

    fprintf(stderr, "simdpool bench: %d cases on %s; default ISA %s\n", r.count, r.machine,
            simdpool_isa_name(r.best));
    int tty = isatty(2);
    for (int i = 0; i < r.count; i++) {
        if (tty) {
            fprintf(stderr, "\r[%d/%d] %-60s", i + 1, r.count, r.rows[i].c.name);
            fflush(stderr);
        }
        time_case(&r.rows[i], isas, r.best, r.threads_all, min_time, &r.impls_seen);
    }
    if (tty) fprintf(stderr, "\n");

    if (!peers) {
        snprintf(r.peers_note, sizeof r.peers_note, "not run (--no-peers)");
    } else {
        char path[4096];
        if (find_peers_binary(binary, path, sizeof path))
            run_peers(&r, path, problems, mb, filter, min_time, r.threads_all);
        else
            snprintf(r.peers_note, sizeof r.peers_note,
                     "not run: the benchmark binary simdpool-bench was not found (build with "
                     "-Dbench=enabled, or give --peers-binary)");
    }

    printf("simdpool bench on %s; default ISA %s; ceiling loop %s; peers: %s\n", r.machine,
           simdpool_isa_name(r.best), tool_stream_isa(), r.peers_note);
    report_table(stdout, &r, 0);
    if (r.threads_all) report_table(stdout, &r, 1);
    int failed = 0;
    for (int i = 0; i < r.count; i++)
        for (int k = 0; k < SIMDPOOL_ISA_COUNT; k++) {
            if (!r.rows[i].one.mismatch[k]) continue;
            failed = 1;
            char cmd[1024];
            tool_desc_cmdline(&r.rows[i].c.desc, r.rows[i].c.dir, cmd, sizeof cmd);
            fprintf(stderr, "simdpool bench: %s differs from the scalar reference on %s; "
                            "reproduce: simdpool run %s --isa %s\n", impl_names[k],
                    r.rows[i].c.name, cmd, impl_names[k]);
        }
    int written = (!json || !report_json(json, &r, err, sizeof err)) &&
                  (!svg || !report_svg(svg, &r, err, sizeof err));
    free(r.rows);
    if (!written) return fail2("%s", err);
    if (failed) {
        fprintf(stderr, "simdpool bench: some ISA differs from the scalar reference (marked !)\n");
        return 1;
    }
    return 0;
}
