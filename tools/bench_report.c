/* Table, JSON and SVG output of `simdpool bench`; see bench_report.h. */
#include "bench_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "options.h"

const char *const impl_names[IMPL_COUNT] = {"scalar", "avx2",   "avx512", "neon",
                                            "ceiling", "onednn", "torch",  "xnnpack"};

static const char *fmt_time(double t, char *buf, size_t len)
{
    if (t < 0) snprintf(buf, len, "-");
    else if (t >= 1) snprintf(buf, len, "%.2fs", t);
    else if (t >= 1e-3) snprintf(buf, len, "%.3gms", t * 1e3);
    else snprintf(buf, len, "%.3gus", t * 1e6);
    return buf;
}

static int is_peer(int i)
{
    return i > IMPL_CEILING;
}

void report_table(FILE *to, const bench_report *r, int all_cores)
{
    int cols[IMPL_COUNT], n = 0;
    for (int i = 0; i < IMPL_COUNT; i++) {
        if (!(r->impls_seen & (1u << i))) continue;
        if (all_cores && i < IMPL_CEILING && i != (int)r->best) continue;
        cols[n++] = i;
    }
    const char *best = simdpool_isa_name(r->best);
    if (all_cores)
        fprintf(to, "\nAll cores (%d threads): simdpool %s (simdpool_*_threaded), the ceiling split "
                    "across threads, peers with their own threading\n", r->threads_all, best);
    else
        fprintf(to, "\nOne thread. Times are medians per call; GB/s and 'of ceiling' for simdpool's "
                    "default ISA (%s); xNAME = NAME's time / simdpool %s's time (> 1: simdpool is "
                    "faster); '!' = differs from the scalar reference. The scalar reference runs on at most "
                    "4 images and is scaled to the batch\n", best, best);
    fprintf(to, "%-40s", "case");
    for (int k = 0; k < n; k++) fprintf(to, " %9s", impl_names[cols[k]]);
    fprintf(to, " %7s %7s", "GB/s", "of ceil");
    for (int k = 0; k < n; k++)
        if (cols[k] == SIMDPOOL_ISA_SCALAR || is_peer(cols[k]))
            fprintf(to, " %8.8s", cols[k] == SIMDPOOL_ISA_SCALAR ? "xscalar" : impl_names[cols[k]]);
    fprintf(to, "  kernel\n");
    for (int i = 0; i < r->count; i++) {
        const bench_row *row = &r->rows[i];
        const bench_times *t = all_cores ? &row->all : &row->one;
        double mine = t->seconds[r->best];
        fprintf(to, "%-40s", row->c.name);
        for (int k = 0; k < n; k++) {
            char b[32], b2[34];
            fmt_time(t->seconds[cols[k]], b, sizeof b);
            snprintf(b2, sizeof b2, "%s%s", t->mismatch[cols[k]] ? "!" : "", b);
            fprintf(to, " %9s", b2);
        }
        double bytes = (double)(row->read_bytes + row->write_bytes);
        double ceil_t = t->seconds[IMPL_CEILING];
        if (mine > 0) fprintf(to, " %7.2f", bytes / mine / 1e9);
        else fprintf(to, " %7s", "-");
        if (mine > 0 && ceil_t > 0) fprintf(to, " %7.2f", ceil_t / mine);
        else fprintf(to, " %7s", "-");
        for (int k = 0; k < n; k++) {
            if (!(cols[k] == SIMDPOOL_ISA_SCALAR || is_peer(cols[k]))) continue;
            double other = t->seconds[cols[k]];
            if (mine > 0 && other > 0) fprintf(to, " %7.2fx", other / mine);
            else fprintf(to, " %8s", "-");
        }
        fprintf(to, "  %s\n", t->kernel[r->best]);
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

static void json_times(FILE *f, const bench_row *row, const bench_times *t, int best)
{
    fprintf(f, "{");
    int first = 1;
    double bytes = (double)(row->read_bytes + row->write_bytes);
    for (int i = 0; i < IMPL_COUNT; i++) {
        if (t->seconds[i] < 0) continue;
        fprintf(f, "%s\n        ", first ? "" : ",");
        first = 0;
        json_str(f, impl_names[i]);
        fprintf(f, ": {\"seconds\": %.9g, \"gbps\": %.6g", t->seconds[i],
                bytes / t->seconds[i] / 1e9);
        if (t->seconds[IMPL_CEILING] > 0)
            fprintf(f, ", \"of_ceiling\": %.6g", t->seconds[IMPL_CEILING] / t->seconds[i]);
        if (t->seconds[best] > 0 && i != best)
            fprintf(f, ", \"time_over_simdpool\": %.6g", t->seconds[i] / t->seconds[best]);
        if (t->kernel[i][0]) {
            fprintf(f, ", \"kernel\": ");
            json_str(f, t->kernel[i]);
        }
        if (i < IMPL_CEILING) fprintf(f, ", \"verified\": %s", t->mismatch[i] ? "false" : "true");
        fprintf(f, "}");
    }
    fprintf(f, "}");
}

int report_json(const char *path, const bench_report *r, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "--json %s: %s", path, strerror(errno));
        return -1;
    }
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "{\n  \"date\": \"%s\",\n  \"machine\": ", date);
    json_str(f, r->machine);
    fprintf(f, ",\n  \"cpu_features\": ");
    json_str(f, simdpool_cpu_features());
    fprintf(f, ",\n  \"default_isa\": \"%s\",\n  \"threads_all\": %d,\n  \"min_time\": %g,\n"
               "  \"peers\": ", simdpool_isa_name(r->best), r->threads_all, r->min_time);
    json_str(f, r->peers_note);
    fprintf(f, ",\n  \"cases\": [");
    for (int i = 0; i < r->count; i++) {
        const bench_row *row = &r->rows[i];
        char cmd[1024];
        tool_desc_cmdline(&row->c.desc, row->c.dir, cmd, sizeof cmd);
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        json_str(f, row->c.name);
        fprintf(f, ", \"label\": ");
        json_str(f, row->c.label);
        fprintf(f, ", \"problem\": ");
        json_str(f, cmd);
        fprintf(f, ", \"training\": %s, \"read_bytes\": %lld, \"write_bytes\": %lld, "
                   "\"scalar_timed_on_images\": %lld,\n      \"one_thread\": ",
                row->c.train ? "true" : "false", (long long)row->read_bytes,
                (long long)row->write_bytes, (long long)row->ref_batch);
        json_times(f, row, &row->one, r->best);
        if (r->threads_all) {
            fprintf(f, ",\n      \"all_cores\": ");
            json_times(f, row, &row->all, r->best);
        }
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
    if (fclose(f) != 0) {
        snprintf(err, errlen, "--json %s: write failed", path);
        return -1;
    }
    return 0;
}

/* A horizontal bar chart: per case, the speedup over the scalar reference of
 * each vector ISA and each peer, on a log scale. */
int report_svg(const char *path, const bench_report *r, char *err, size_t errlen)
{
    static const char *const colors[IMPL_COUNT] = {"#999999", "#4e79a7", "#f28e2b", "#59a14f",
                                                   "#bab0ac", "#e15759", "#76b7b2", "#edc948"};
    int cols[IMPL_COUNT], n = 0;
    for (int i = 0; i < IMPL_COUNT; i++)
        if ((r->impls_seen & (1u << i)) && i != SIMDPOOL_ISA_SCALAR) cols[n++] = i;
    double lo = 0.5, hi = 2;
    for (int i = 0; i < r->count; i++)
        for (int k = 0; k < n; k++) {
            double s = r->rows[i].one.seconds[SIMDPOOL_ISA_SCALAR], t = r->rows[i].one.seconds[cols[k]];
            if (s > 0 && t > 0) {
                if (s / t > hi) hi = s / t;
                if (s / t < lo) lo = s / t;
            }
        }
    double llo = floor(log10(lo)), lhi = ceil(log10(hi));
    const int bar = 7, left = 330, width = 600, top = 60;
    int group = n * bar + 8;
    int height = top + r->count * group + 40;
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "--svg %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n", left + width + 40, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"18\" font-size=\"14\">simdpool bench: speedup over the scalar "
               "reference, one thread (log scale; the ceiling streams the same bytes) - %s</text>\n",
            r->machine);
    for (int k = 0; k < n; k++)
        fprintf(f, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                   "<text x=\"%d\" y=\"37\">%s</text>\n", 10 + k * 90, colors[cols[k]], 24 + k * 90,
                impl_names[cols[k]]);
    for (double e = llo; e <= lhi; e++) {
        double x = left + (e - llo) / (lhi - llo) * width;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%gx</text>\n", x, top - 8, x,
                height - 30, x, height - 16, pow(10, e));
    }
    double x1 = left + (0 - llo) / (lhi - llo) * width;
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n", x1, top - 8,
            x1, height - 30);
    for (int i = 0; i < r->count; i++) {
        const bench_row *row = &r->rows[i];
        int y = top + i * group;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6,
                y + group / 2 + 3, row->c.name);
        double s = row->one.seconds[SIMDPOOL_ISA_SCALAR];
        for (int k = 0; k < n; k++) {
            double t = row->one.seconds[cols[k]];
            if (!(s > 0 && t > 0)) continue;
            /* Bars grow from the 1x line: right when faster than scalar. */
            double x = left + (log10(s / t) - llo) / (lhi - llo) * width;
            double a = x < x1 ? x : x1, w = fabs(x - x1);
            fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                       "<title>%s %s: %.2fx</title></rect>\n", a, y + k * bar,
                    w > 0.5 ? w : 0.5, bar - 1, colors[cols[k]], row->c.name,
                    impl_names[cols[k]], s / t);
        }
    }
    fprintf(f, "</svg>\n");
    if (fclose(f) != 0) {
        snprintf(err, errlen, "--svg %s: write failed", path);
        return -1;
    }
    return 0;
}
