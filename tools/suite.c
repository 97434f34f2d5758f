/* The default benchmark suite and the problem-file reader; see suite.h. */
#include "suite.h"
#include "fail.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/*
 * Pooling layers of well-known networks at batch 1 (inference: forward, max
 * without indices) and batch 32 (training: forward keeping indices, and
 * backward), then problems from oneDNN's benchdnn corpus
 * (shared/corpus/benchdnn-pool, batch set to 32 where the original is larger,
 * to keep the suite's run time reasonable).
 */
const char *const tool_default_suite[] = {
    "--name resnet50_stem_b1  --label 'ResNet-50 maxpool 3x3/2' --alg max --shape 1,64,112,112 --kernel 3 --stride 2 --pad 1 --dir fwd",
    "--name resnet50_stem_b32 --label 'ResNet-50 maxpool 3x3/2' --alg max --shape 32,64,112,112 --kernel 3 --stride 2 --pad 1 --dir fwd,bwd",
    "--name vgg16_pool1_b1  --label 'VGG-16 pool1 2x2/2' --alg max --shape 1,64,224,224 --kernel 2 --stride 2 --dir fwd",
    "--name vgg16_pool1_b32 --label 'VGG-16 pool1 2x2/2' --alg max --shape 32,64,224,224 --kernel 2 --stride 2 --dir fwd,bwd",
    "--name alexnet_pool1_b1  --label 'AlexNet pool1 3x3/2' --alg max --shape 1,96,55,55 --kernel 3 --stride 2 --dir fwd",
    "--name alexnet_pool1_b32 --label 'AlexNet pool1 3x3/2' --alg max --shape 32,96,55,55 --kernel 3 --stride 2 --dir fwd,bwd",
    "--name inception_avg3x3_b1  --label 'Inception-v3 Mixed_5b avg 3x3/1' --alg avg_p --shape 1,192,35,35 --kernel 3 --stride 1 --pad 1 --dir fwd",
    "--name inception_avg3x3_b32 --label 'Inception-v3 Mixed_5b avg 3x3/1' --alg avg_p --shape 32,192,35,35 --kernel 3 --stride 1 --pad 1 --dir fwd,bwd",
    "--name global_avg_b1  --label 'ResNet-50 global avg 7x7' --alg avg_p --shape 1,2048,7,7 --kernel 7 --dir fwd",
    "--name global_avg_b32 --label 'ResNet-50 global avg 7x7' --alg avg_p --shape 32,2048,7,7 --kernel 7 --dir fwd,bwd",
    "--name video3d_b1  --label '3D CNN maxpool 3x3x3/2' --alg max --shape 1,64,8,56,56 --kernel 3 --stride 2 --pad 1 --dir fwd",
    "--name video3d_b32 --label '3D CNN maxpool 3x3x3/2' --alg max --shape 32,64,8,56,56 --kernel 3 --stride 2 --pad 1 --dir fwd,bwd",
    "--name seq1d_b1  --label '1D sequence maxpool 3/2' --alg max --shape 1,256,4096 --kernel 3 --stride 2 --pad 1 --dir fwd",
    "--name seq1d_b32 --label '1D sequence maxpool 3/2' --alg max --shape 32,256,4096 --kernel 3 --stride 2 --pad 1 --dir fwd,bwd",
    "--name bdnn_googlenet_3a --label 'benchdnn googlenet_v1 3a max' --alg max --dir fwd,bwd --mb 32 mb96ic192_ih28oh28_kh3sh1ph1n\"googlenet_v1:inception_3a/max_pool\"",
    "--name bdnn_resnet50_pool1 --label 'benchdnn resnet_50 max_pool1 (TF SAME)' --alg max --dir fwd,bwd --mb 32 mb50ic64_ih112oh56_kh3sh2n\"resnet_50:max_pool1\"",
    "--name bdnn_googlenet_avg5 --label 'benchdnn googlenet_v1 avg_pool5' --alg avg_np --dir fwd,bwd --mb 32 mb96ic1024_ih7oh1_kh7sh1ph0n\"googlenet_v1:avg_pool5/7x7_s1\"",
    "--name bdnn_unet3d_pool2 --label 'benchdnn 3d_unet max_pool2' --alg max --dir fwd,bwd mb1ic128_id28od14_kd2sd2n\"3d_unet:max_pool2\"",
    "--name bdnn_2d_300x500 --label 'benchdnn 2d non-square avg_np' --alg avg_np --dir fwd,bwd mb1ic32_ih300iw500_oh151ow251_kh3kw3_sh2sw2_ph1pw1",
    "--name bdnn_2d_asym --label 'benchdnn 2d asymmetric pad' --alg max --dir fwd,bwd mb1ic96_ih3iw100_oh1ow51_kh3kw3_sh1sw2_ph0pw1",
    NULL,
};

/* Benchmark names must survive Google Benchmark's filter: keep [A-Za-z0-9_.-]. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.') *s = '_';
}

/* Pulls "--label TEXT" (TEXT in single quotes may hold spaces) out of a line. */
static void take_label(char *line, char *label, size_t len)
{
    label[0] = 0;
    char *at = strstr(line, "--label");
    if (!at) return;
    char *p = at + 7;
    while (*p == ' ' || *p == '=') p++;
    char *end;
    if (*p == '\'') {
        p++;
        end = strchr(p, '\'');
        if (!end) end = p + strlen(p);
    } else {
        end = p + strcspn(p, " \t");
    }
    size_t n = (size_t)(end - p);
    if (n >= len) n = len - 1;
    memcpy(label, p, n);
    label[n] = 0;
    if (*end == '\'') end++;
    memmove(at, end, strlen(end) + 1);
}

static int add_line(const char *text, const char *where, int lineno, int index, long long mb,
                    tool_case **cases, int *count, int *cap, char *err, size_t errlen)
{
    char buf[2048], label[96];
    if (strlen(text) >= sizeof buf) return tool_fail(err, errlen, "%s:%d: line too long", where, lineno);
    strcpy(buf, text);
    take_label(buf, label, sizeof label);
    char *words[64];
    int n = tool_split_words(buf, words, 64);
    if (!n) return 0;
    /* benchdnn batch-file lines may carry --dt/--match style knobs we ignore. */
    char *kept[64];
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!strncmp(words[i], "--dt", 4) || !strncmp(words[i], "--match", 7) ||
            !strncmp(words[i], "--attr", 6) || !strncmp(words[i], "--reset", 7))
            continue;
        kept[k++] = words[i];
    }
    tool_opts o;
    tool_opts_init(&o);
    char e[512];
    if (tool_opts_parse(&o, k, kept, 0, e, sizeof e))
        return tool_fail(err, errlen, "%s:%d: %s", where, lineno, e);
    if (mb > 0) o.mb = mb;
    unsigned algs = o.algs ? o.algs : 1u << SIMDPOOL_MAX;
    unsigned dirs = o.dirs ? o.dirs : 1u << SIMDPOOL_FORWARD;
    unsigned layouts = o.layouts ? o.layouts : 3u;
    int train = o.train >= 0 ? o.train : (dirs & (1u << SIMDPOOL_BACKWARD)) != 0;
    for (int a = 0; a < 3; a++) {
        if (!(algs & (1u << a))) continue;
        for (int l = 0; l < 2; l++) {
            if (!(layouts & (1u << l))) continue;
            simdpool_desc d;
            char dname[96];
            if (tool_opts_desc(&o, (simdpool_alg)a, (simdpool_layout)l, &d, dname, sizeof dname,
                               e, sizeof e))
                return tool_fail(err, errlen, "%s:%d: %s", where, lineno, e);
            for (int dir = 0; dir < 2; dir++) {
                if (!(dirs & (1u << dir))) continue;
                if (*count == *cap) {
                    *cap = *cap ? *cap * 2 : 64;
                    tool_case *grown = realloc(*cases, sizeof **cases * (size_t)*cap);
                    if (!grown) return tool_fail(err, errlen, "out of memory");
                    *cases = grown;
                }
                tool_case *c = &(*cases)[(*count)++];
                memset(c, 0, sizeof *c);
                if (o.name) snprintf(c->problem, sizeof c->problem, "%s", o.name);
                else if (dname[0]) snprintf(c->problem, sizeof c->problem, "%s", dname);
                else snprintf(c->problem, sizeof c->problem, "p%d", index);
                sanitize(c->problem);
                snprintf(c->label, sizeof c->label, "%s", label[0] ? label : dname);
                c->desc = d;
                c->dir = (simdpool_direction)dir;
                c->train = train;
                snprintf(c->name, sizeof c->name, "%s/%s/%s/%s", c->problem,
                         tool_alg_name((simdpool_alg)a), dir ? "bwd" : "fwd",
                         l ? "nhwc" : "nchw");
            }
        }
    }
    return 0;
}

int tool_cases_load(const char *path, long long mb, tool_case **cases, char *err,
                    size_t errlen)
{
    *cases = NULL;
    int count = 0, cap = 0, index = 0;
    if (!path) {
        for (int i = 0; tool_default_suite[i]; i++)
            if (add_line(tool_default_suite[i], "default suite", i + 1, ++index, mb, cases,
                         &count, &cap, err, errlen))
                goto bad;
        return count;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        tool_fail(err, errlen, "%s: %s", path, strerror(errno));
        goto bad;
    }
    char line[2048];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') continue;
        if (add_line(p, path, lineno, ++index, mb, cases, &count, &cap, err, errlen)) {
            fclose(f);
            goto bad;
        }
    }
    fclose(f);
    if (!count) {
        tool_fail(err, errlen, "%s: no problems in the file", path);
        goto bad;
    }
    return count;
bad:
    free(*cases);
    *cases = NULL;
    return -1;
}
