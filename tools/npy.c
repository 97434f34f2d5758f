/* NumPy .npy reading and writing; the format is documented by NumPy in
 * numpy/lib/format.py: magic, version, header length, a Python dict literal. */
#include "npy.h"
#include "fail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *npy_shape_str(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? ", %lld" : "%lld",
                                 (long long)shape[i]);
    if (used < len) snprintf(buf + used, len - used, ndim == 1 ? ",)" : ")");
    return buf;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The value text after 'key': in the header dict, or NULL. */
static const char *dict_value(const char *header, const char *key)
{
    char quoted[32];
    for (int q = 0; q < 2; q++) {
        snprintf(quoted, sizeof quoted, q ? "\"%s\"" : "'%s'", key);
        const char *at = strstr(header, quoted);
        if (!at) continue;
        at += strlen(quoted);
        while (*at == ' ') at++;
        if (*at != ':') return NULL;
        at++;
        while (*at == ' ') at++;
        return at;
    }
    return NULL;
}

int npy_read(const char *path, npy_type want, npy_array *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return tool_fail(err, errlen, "%s: %s", path, strerror(errno));
    unsigned char pre[10];
    char *header = NULL;
    int rc = -1;
    if (fread(pre, 1, 8, f) != 8 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        tool_fail(err, errlen, "%s: not a NumPy .npy file", path);
        goto done;
    }
    size_t hlen;
    if (pre[6] == 1) {
        if (fread(pre + 8, 1, 2, f) != 2) goto truncated;
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        unsigned char l[4];
        if (fread(l, 1, 4, f) != 4) goto truncated;
        hlen = l[0] | (size_t)l[1] << 8 | (size_t)l[2] << 16 | (size_t)l[3] << 24;
    } else {
        tool_fail(err, errlen, "%s: unsupported .npy version %d.%d", path, pre[6], pre[7]);
        goto done;
    }
    if (hlen > (1u << 20)) {
        tool_fail(err, errlen, "%s: .npy header too long", path);
        goto done;
    }
    header = malloc(hlen + 1);
    if (!header) {
        tool_fail(err, errlen, "%s: out of memory", path);
        goto done;
    }
    if (fread(header, 1, hlen, f) != hlen) goto truncated;
    header[hlen] = 0;

    const char *descr = dict_value(header, "descr");
    const char *fortran = dict_value(header, "fortran_order");
    const char *shape = dict_value(header, "shape");
    if (!descr || !fortran || !shape) {
        tool_fail(err, errlen, "%s: malformed .npy header", path);
        goto done;
    }
    char d[8] = {0};
    if (descr[0] != '\'' && descr[0] != '"') goto malformed;
    size_t dl = strcspn(descr + 1, "'\"");
    if (dl >= sizeof d) goto malformed;
    memcpy(d, descr + 1, dl);
    char order = d[0];
    const char *t = d + 1;
    if (order == '>' || (order == '=' && !host_little_endian())) {
        tool_fail(err, errlen, "%s: big-endian data ('%s'); save it little-endian", path, d);
        goto done;
    }
    if (order != '<' && order != '|' && order != '=') goto malformed;
    int src_kind; /* 0 f4, 1 f8, 2 i8, 3 i4 */
    if (!strcmp(t, "f4")) src_kind = 0;
    else if (!strcmp(t, "f8")) src_kind = 1;
    else if (!strcmp(t, "i8")) src_kind = 2;
    else if (!strcmp(t, "i4")) src_kind = 3;
    else {
        tool_fail(err, errlen, "%s: dtype '%s' is not %s", path, d,
             want == NPY_F32 ? "float32 ('<f4')" : "int64 ('<i8')");
        goto done;
    }
    if ((want == NPY_F32) != (src_kind <= 1)) {
        tool_fail(err, errlen, "%s: dtype '%s' is not %s", path, d,
             want == NPY_F32 ? "float32 ('<f4')" : "int64 ('<i8')");
        goto done;
    }
    if (!strncmp(fortran, "True", 4)) {
        tool_fail(err, errlen, "%s: Fortran-order array; save it in C order "
                          "(numpy.ascontiguousarray)", path);
        goto done;
    }
    if (*shape != '(') goto malformed;
    shape++;
    out->ndim = 0;
    out->count = 1;
    for (;;) {
        while (*shape == ' ' || *shape == ',') shape++;
        if (*shape == ')') break;
        char *end;
        long long v = strtoll(shape, &end, 10);
        if (end == shape || v < 0 || out->ndim == NPY_MAX_DIMS) goto malformed;
        if (*end == 'L') end++;
        out->shape[out->ndim++] = v;
        if (v && out->count > INT64_MAX / v) goto malformed;
        out->count *= v;
        shape = end;
    }
    size_t esize = src_kind == 0 || src_kind == 3 ? 4 : 8;
    size_t n = (size_t)out->count;
    void *raw = malloc(n ? n * esize : 1);
    if (!raw) {
        tool_fail(err, errlen, "%s: out of memory", path);
        goto done;
    }
    if (fread(raw, esize, n, f) != n) {
        free(raw);
        goto truncated;
    }
    if (src_kind == 1) {
        float *o = malloc(n ? n * sizeof(float) : 1);
        if (!o) { free(raw); tool_fail(err, errlen, "%s: out of memory", path); goto done; }
        for (size_t i = 0; i < n; i++) o[i] = (float)((double *)raw)[i];
        free(raw);
        raw = o;
    } else if (src_kind == 3) {
        int64_t *o = malloc(n ? n * sizeof(int64_t) : 1);
        if (!o) { free(raw); tool_fail(err, errlen, "%s: out of memory", path); goto done; }
        for (size_t i = 0; i < n; i++) o[i] = ((int32_t *)raw)[i];
        free(raw);
        raw = o;
    }
    out->type = want;
    out->data = raw;
    rc = 0;
    goto done;
malformed:
    tool_fail(err, errlen, "%s: malformed .npy header", path);
    goto done;
truncated:
    tool_fail(err, errlen, "%s: truncated .npy file", path);
done:
    free(header);
    fclose(f);
    return rc;
}

int npy_write(const char *path, npy_type type, int ndim, const int64_t *shape,
              const void *data, char *err, size_t errlen)
{
    if (!host_little_endian()) return tool_fail(err, errlen, "%s: big-endian host", path);
    char dict[256], sh[160];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     type == NPY_F32 ? "<f4" : "<i8", npy_shape_str(ndim, shape, sh, sizeof sh));
    /* Pad with spaces and a newline so that the data starts 64-byte aligned. */
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - 10;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    int64_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    FILE *f = fopen(path, "wb");
    if (!f) return tool_fail(err, errlen, "%s: %s", path, strerror(errno));
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = (size_t)n; ok && i < hlen - 1; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    ok = ok && fwrite(data, type == NPY_F32 ? 4 : 8, (size_t)count, f) == (size_t)count;
    if (fclose(f) != 0) ok = 0;
    if (!ok) return tool_fail(err, errlen, "%s: write failed: %s", path, strerror(errno));
    return 0;
}
