#include <stdio.h>
#include <stdlib.h>
#include <simdpool.h>

int main(void)
{
    /* ResNet-50's stem pool: 1x64x112x112, 3x3 window, stride 2, padding 1. */
    simdpool_desc desc;
    simdpool_desc_init(&desc, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_LAST, 2);
    desc.channels = 64;
    for (int i = 0; i < 2; i++) {
        desc.in[i] = 112;
        desc.kernel[i] = 3;
        desc.stride[i] = 2;
        desc.pad_begin[i] = desc.pad_end[i] = 1;
    }

    simdpool_plan *plan;
    simdpool_status status = simdpool_plan_create(&desc, &plan);
    if (status != SIMDPOOL_OK) {
        fprintf(stderr, "simdpool: %s\n", simdpool_status_message(status));
        return 1;
    }
    float *src = calloc(simdpool_plan_src_elements(plan), sizeof(float));
    float *dst = malloc(simdpool_plan_dst_elements(plan) * sizeof(float));
    int64_t *indices = malloc(simdpool_plan_indices_elements(plan) * sizeof(int64_t));
    status = simdpool_forward(plan, src, dst, indices);

    int64_t out[SIMDPOOL_MAX_DIMS];
    simdpool_plan_output_extents(plan, out);
    printf("%s: output %lldx%lld, kernel %s\n", simdpool_status_message(status),
           (long long)out[0], (long long)out[1], simdpool_plan_kernel_name(plan, SIMDPOOL_FORWARD));
    free(src);
    free(dst);
    free(indices);
    simdpool_plan_destroy(plan);
    return status == SIMDPOOL_OK ? 0 : 1;
}
