/* A small JSON reader, enough for Google Benchmark's output; see bench_json.h. */
#include "bench_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    int bad;
} reader;

static void ws(reader *r)
{
    while (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t') r->p++;
}

/* Reads a string into buf (may be NULL to skip). */
static void read_string(reader *r, char *buf, size_t len)
{
    size_t n = 0;
    if (*r->p != '"') {
        r->bad = 1;
        return;
    }
    r->p++;
    while (*r->p && *r->p != '"') {
        char c = *r->p++;
        if (c == '\\' && *r->p) {
            c = *r->p++;
            if (c == 'n') c = ' ';
            else if (c == 't') c = ' ';
            else if (c == 'u') { /* keep ASCII only */
                for (int i = 0; i < 4 && *r->p; i++) r->p++;
                c = '?';
            }
        }
        if (buf && n + 1 < len) buf[n++] = c;
    }
    if (buf && len) buf[n] = 0;
    if (*r->p == '"') r->p++;
    else r->bad = 1;
}

static void skip_value(reader *r);

static void skip_container(reader *r, char open, char close)
{
    (void)open;
    r->p++;
    ws(r);
    if (*r->p == close) {
        r->p++;
        return;
    }
    while (!r->bad) {
        ws(r);
        if (close == '}') {
            read_string(r, NULL, 0);
            ws(r);
            if (*r->p != ':') {
                r->bad = 1;
                return;
            }
            r->p++;
        }
        skip_value(r);
        ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            return;
        }
        r->bad = 1;
    }
}

static void skip_value(reader *r)
{
    ws(r);
    if (*r->p == '"') read_string(r, NULL, 0);
    else if (*r->p == '{') skip_container(r, '{', '}');
    else if (*r->p == '[') skip_container(r, '[', ']');
    else if (*r->p) {
        const char *s = r->p;
        while (*r->p && !strchr(",}] \n\r\t", *r->p)) r->p++;
        if (r->p == s) r->bad = 1;
    } else
        r->bad = 1;
}

static void read_entry(reader *r, gb_entry *e)
{
    memset(e, 0, sizeof *e);
    char key[64], unit[8] = "ns", rt[16] = "";
    double real = -1;
    int error = 0;
    r->p++; /* '{' */
    for (;;) {
        ws(r);
        if (*r->p == '}') {
            r->p++;
            break;
        }
        read_string(r, key, sizeof key);
        ws(r);
        if (r->bad || *r->p != ':') {
            r->bad = 1;
            return;
        }
        r->p++;
        ws(r);
        if (!strcmp(key, "name")) read_string(r, e->name, sizeof e->name);
        else if (!strcmp(key, "label")) read_string(r, e->label, sizeof e->label);
        else if (!strcmp(key, "error_message")) read_string(r, e->error, sizeof e->error);
        else if (!strcmp(key, "time_unit")) read_string(r, unit, sizeof unit);
        else if (!strcmp(key, "run_type")) read_string(r, rt, sizeof rt);
        else if (!strcmp(key, "real_time")) {
            char *end;
            real = strtod(r->p, &end);
            if (end == r->p) r->bad = 1;
            r->p = end;
        } else if (!strcmp(key, "error_occurred")) {
            error = !strncmp(r->p, "true", 4);
            skip_value(r);
        } else
            skip_value(r);
        if (r->bad) return;
        ws(r);
        if (*r->p == ',') r->p++;
    }
    double scale = !strcmp(unit, "s") ? 1 : !strcmp(unit, "ms") ? 1e-3 : !strcmp(unit, "us") ? 1e-6 : 1e-9;
    e->seconds = real >= 0 ? real * scale : -1;
    e->aggregate = !strcmp(rt, "aggregate");
    if (error && !e->error[0]) strcpy(e->error, "error");
    size_t n = strlen(e->name);
    const char *suffix = "/real_time";
    if (n > strlen(suffix) && !strcmp(e->name + n - strlen(suffix), suffix))
        e->name[n - strlen(suffix)] = 0;
}

int gb_parse(const char *text, gb_entry **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *at = strstr(text, "\"benchmarks\"");
    if (!at) {
        snprintf(err, errlen, "no \"benchmarks\" in the benchmark binary's JSON output");
        return -1;
    }
    reader r = {at + strlen("\"benchmarks\""), 0};
    ws(&r);
    if (*r.p != ':') goto bad;
    r.p++;
    ws(&r);
    if (*r.p != '[') goto bad;
    r.p++;
    int count = 0, cap = 0;
    for (;;) {
        ws(&r);
        if (*r.p == ']') break;
        if (*r.p != '{') goto bad;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            gb_entry *g = realloc(*out, sizeof **out * (size_t)cap);
            if (!g) goto bad;
            *out = g;
        }
        read_entry(&r, &(*out)[count]);
        if (r.bad) goto bad;
        count++;
        ws(&r);
        if (*r.p == ',') r.p++;
    }
    return count;
bad:
    free(*out);
    *out = NULL;
    snprintf(err, errlen, "malformed JSON from the benchmark binary");
    return -1;
}
