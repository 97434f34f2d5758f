/*
 * NumPy .npy files (format versions 1.0 to 3.0): little-endian float32 and
 * int64 arrays in C order, which is all `simdpool run` exchanges.
 */
#ifndef SP_TOOL_NPY_H
#define SP_TOOL_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8

typedef enum npy_type { NPY_F32, NPY_I64 } npy_type;

typedef struct npy_array {
    npy_type type;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    int64_t count; /* product of shape */
    void *data;    /* count elements of `type`, malloc'ed */
} npy_array;

/*
 * Reads `path` as an array of `want` (float64 is converted to float32, int32
 * to int64, so files made by numpy's defaults also load). Returns 0, or -1
 * with a one-line reason in err.
 */
int npy_read(const char *path, npy_type want, npy_array *out, char *err, size_t errlen);

/* Writes `count` elements of `type` shaped `shape[0..ndim)`. 0 or -1 + reason. */
int npy_write(const char *path, npy_type type, int ndim, const int64_t *shape,
              const void *data, char *err, size_t errlen);

/* "(2, 3, 4)" into buf. */
const char *npy_shape_str(int ndim, const int64_t *shape, char *buf, size_t len);

#endif
