/* benchdnn descriptor parsing; the grammar is our own reading of benchdnn's
 * documentation, summarised in shared/corpus/benchdnn-pool/README.md. */
#include "benchdnn.h"
#include "fail.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D_, H_, W_ };

/* Per spatial dim: i o k s p d, and which were given. */
typedef struct {
    int64_t v[6];
    int given[6];
} dim_vals;
enum { I_, O_, K_, S_, P_, DL_ };

static const char spatial_letters[] = "dhw";
static const char kind_letters[] = "ioksp d"; /* index = field; ' ' unused */

static int key_field(char a, char b, int *dim, int *field)
{
    const char *dl = strchr(spatial_letters, b);
    if (!b || !dl) return 0;
    int f;
    switch (a) {
    case 'i': f = I_; break;
    case 'o': f = O_; break;
    case 'k': f = K_; break;
    case 's': f = S_; break;
    case 'p': f = P_; break;
    case 'd': f = DL_; break;
    default: return 0;
    }
    *dim = (int)(dl - spatial_letters);
    *field = f;
    return 1;
}

int benchdnn_looks_like(const char *t)
{
    if (!t || !t[0] || !t[1]) return 0;
    int dim, field;
    int two = (t[0] == 'm' && t[1] == 'b') || (t[0] == 'i' && t[1] == 'c') ||
              key_field(t[0], t[1], &dim, &field);
    return two && isdigit((unsigned char)t[2]);
}

int benchdnn_parse(const char *text, simdpool_desc *desc, char *name, size_t namelen,
                   char *err, size_t errlen)
{
    (void)kind_letters;
    int64_t mb = 2, ic = 0;
    int ic_given = 0;
    dim_vals dv[3];
    memset(dv, 0, sizeof dv);
    for (int d = 0; d < 3; d++) dv[d].v[S_] = 1;
    if (name && namelen) name[0] = 0;

    const char *t = text;
    while (*t) {
        if (*t == '_') {
            t++;
            continue;
        }
        int dim = -1, field = -1, kind; /* kind 0 mb, 1 ic, 2 spatial */
        if (t[0] == 'm' && t[1] == 'b') kind = 0;
        else if (t[0] == 'i' && t[1] == 'c') kind = 1;
        else if (key_field(t[0], t[1], &dim, &field)) kind = 2;
        else if (t[0] == 'n') {
            /* The name runs to the end of the word; strip the conventional quotes. */
            const char *s = t + 1;
            size_t len = strlen(s);
            if (len >= 2 && s[0] == '"' && s[len - 1] == '"') s++, len -= 2;
            if (name && namelen) {
                if (len >= namelen) len = namelen - 1;
                memcpy(name, s, len);
                name[len] = 0;
            }
            break;
        } else
            return tool_fail(err, errlen, "benchdnn descriptor '%s': unknown key at '%s'", text, t);
        const char *num = t + 2;
        if (!isdigit((unsigned char)*num))
            return tool_fail(err, errlen, "benchdnn descriptor '%s': '%.2s' needs a non-negative "
                                     "integer", text, t);
        char *end;
        long long v = strtoll(num, &end, 10);
        if (v > (long long)INT64_MAX / 4)
            return tool_fail(err, errlen, "benchdnn descriptor '%s': value too large", text);
        if (kind == 0) mb = v;
        else if (kind == 1) ic = v, ic_given = 1;
        else dv[dim].v[field] = v, dv[dim].given[field] = 1;
        t = end;
    }

    if (!ic_given || ic <= 0)
        return tool_fail(err, errlen, "benchdnn descriptor '%s': 'ic' must be given and > 0", text);
    if (mb <= 0) return tool_fail(err, errlen, "benchdnn descriptor '%s': 'mb' must be > 0", text);

    int mentioned[3];
    for (int d = 0; d < 3; d++) {
        dim_vals *x = &dv[d];
        mentioned[d] = x->given[I_] || x->given[K_] || x->given[O_] || x->v[S_] != 1 ||
                       x->v[P_] >= 1;
        if (!mentioned[d]) continue;
        char c = spatial_letters[d];
        if (!x->given[I_] || x->v[I_] <= 0)
            return tool_fail(err, errlen, "benchdnn descriptor '%s': i%c must be given and > 0",
                        text, c);
        if (!x->given[K_] || x->v[K_] <= 0)
            return tool_fail(err, errlen, "benchdnn descriptor '%s': k%c must be given and > 0",
                        text, c);
        if (x->v[S_] <= 0)
            return tool_fail(err, errlen, "benchdnn descriptor '%s': s%c must be > 0", text, c);
        int64_t extent = (x->v[K_] - 1) * (x->v[DL_] + 1) + 1;
        if (!x->given[O_]) {
            /* C division truncates toward zero: a numerator in (-s, 0) still gives 1. */
            x->v[O_] = (x->v[I_] - extent + 2 * x->v[P_]) / x->v[S_] + 1;
            if (x->v[O_] <= 0)
                return tool_fail(err, errlen, "benchdnn descriptor '%s': o%c would be %lld", text,
                            c, (long long)x->v[O_]);
        } else if (!x->given[P_]) {
            x->v[P_] = ((x->v[O_] - 1) * x->v[S_] - x->v[I_] + extent) / 2;
        }
        if (x->v[O_] <= 0)
            return tool_fail(err, errlen, "benchdnn descriptor '%s': o%c must be > 0", text, c);
        if (x->v[P_] < 0)
            return tool_fail(err, errlen, "benchdnn descriptor '%s': derived p%c = %lld is negative",
                        text, c, (long long)x->v[P_]);
    }

    int dims;
    if (mentioned[D_] && dv[D_].v[O_] > 0) {
        dims = 3;
        if (!mentioned[H_] && !mentioned[W_]) dv[H_] = dv[D_], dv[W_] = dv[D_];
        else if (!mentioned[H_] || !mentioned[W_])
            return tool_fail(err, errlen, "benchdnn descriptor '%s': a 3D problem needs both h and "
                                     "w, or neither", text);
    } else if (mentioned[H_] && dv[H_].v[O_] > 0) {
        dims = 2;
        if (!mentioned[W_]) dv[W_] = dv[H_];
    } else if (mentioned[W_] && dv[W_].v[O_] > 0) {
        dims = 1;
    } else {
        return tool_fail(err, errlen, "benchdnn descriptor '%s': no spatial dim (give iw/kw, ih/kh "
                                 "or id/kd)", text);
    }

    desc->dims = dims;
    desc->batch = mb;
    desc->channels = ic;
    desc->ceil_mode = 0;
    desc->divisor_override = 0;
    for (int i = 0; i < dims; i++) {
        const dim_vals *x = &dv[3 - dims + i];
        int64_t extent = (x->v[K_] - 1) * (x->v[DL_] + 1) + 1;
        desc->in[i] = x->v[I_];
        desc->kernel[i] = x->v[K_];
        desc->stride[i] = x->v[S_];
        desc->pad_begin[i] = x->v[P_];
        desc->pad_end[i] = (x->v[O_] - 1) * x->v[S_] + extent - x->v[I_] - x->v[P_];
        desc->dilation[i] = x->v[DL_] + 1;
        if (desc->pad_end[i] < -desc->stride[i])
            return tool_fail(err, errlen, "benchdnn descriptor '%s': derived end padding %lld is "
                                     "below -stride (o%c too small)", text,
                        (long long)desc->pad_end[i], spatial_letters[3 - dims + i]);
        int64_t o = simdpool_output_extent(desc->in[i], desc->kernel[i], desc->stride[i],
                                           desc->pad_begin[i], desc->pad_end[i],
                                           desc->dilation[i], 0);
        if (o != x->v[O_])
            return tool_fail(err, errlen, "benchdnn descriptor '%s': o%c = %lld is inconsistent "
                                     "(the window gives %lld)", text,
                        spatial_letters[3 - dims + i], (long long)x->v[O_], (long long)o);
    }
    return 0;
}
