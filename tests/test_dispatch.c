/*
 * The dispatcher: the choice from SIMDPOOL_ISA (meson runs this test once
 * per value), the API override, and a first use from several threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "simdpool.h"

static simdpool_isa best_runnable(void)
{
    static const simdpool_isa order[] = {SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_NEON};
    for (int i = 0; i < 3; i++)
        if (simdpool_isas_runnable() & (1u << order[i])) return order[i];
    return SIMDPOOL_ISA_SCALAR;
}

static simdpool_status first_status[4];
static simdpool_isa first_isa[4];

static void *first_use(void *arg)
{
    int t = (int)(intptr_t)arg;
    first_status[t] = simdpool_get_isa(&first_isa[t]);
    return NULL;
}

static simdpool_status plan_status(simdpool_isa *used)
{
    simdpool_desc d;
    simdpool_desc_init(&d, SIMDPOOL_MAX, SIMDPOOL_CHANNELS_LAST, 2);
    d.channels = 33;
    d.in[0] = d.in[1] = 9;
    d.kernel[0] = d.kernel[1] = 3;
    d.stride[0] = d.stride[1] = 2;
    simdpool_plan *plan;
    simdpool_status s = simdpool_plan_create(&d, &plan);
    if (s == SIMDPOOL_OK) {
        *used = simdpool_plan_isa(plan, SIMDPOOL_FORWARD);
        simdpool_plan_destroy(plan);
    }
    return s;
}

int main(void)
{
    const char *env = getenv("SIMDPOOL_ISA");
    unsigned runnable = simdpool_isas_runnable(), compiled = simdpool_isas_compiled();
    CHECK(runnable & (1u << SIMDPOOL_ISA_SCALAR), "scalar is always runnable");
    CHECK((runnable & ~compiled) == 0, "runnable ISAs are compiled in");

    /* The first use races from four threads; all must see one choice. */
    pthread_t threads[4];
    for (int t = 0; t < 4; t++) pthread_create(&threads[t], NULL, first_use, (void *)(intptr_t)t);
    for (int t = 0; t < 4; t++) pthread_join(threads[t], NULL);
    for (int t = 1; t < 4; t++)
        CHECK(first_status[t] == first_status[0] && (first_status[0] != SIMDPOOL_OK || first_isa[t] == first_isa[0]),
              "threads saw different first choices");

    simdpool_isa named = SIMDPOOL_ISA_AUTO;
    simdpool_status parse = env && *env ? simdpool_isa_from_name(env, &named) : SIMDPOOL_OK;
    simdpool_status expected = parse;
    if (parse == SIMDPOOL_OK && named != SIMDPOOL_ISA_AUTO && !(runnable & (1u << named)))
        expected = SIMDPOOL_ERR_ISA_UNAVAILABLE;
    simdpool_isa want = named == SIMDPOOL_ISA_AUTO ? best_runnable() : named;
    printf("test_dispatch: SIMDPOOL_ISA=%s, expecting %s\n", env ? env : "(unset)",
           expected == SIMDPOOL_OK ? simdpool_isa_name(want) : simdpool_status_message(expected));

    simdpool_isa isa = SIMDPOOL_ISA_AUTO, used = SIMDPOOL_ISA_AUTO;
    CHECK(first_status[0] == expected, "get_isa gave '%s'", simdpool_status_message(first_status[0]));
    if (expected == SIMDPOOL_OK) {
        CHECK(first_isa[0] == want, "chose %s", simdpool_isa_name(first_isa[0]));
        CHECK(plan_status(&used) == SIMDPOOL_OK, "plan under a valid SIMDPOOL_ISA");
    } else {
        /* A bad environment is an error at plan creation, never a crash ... */
        CHECK(plan_status(&used) == expected, "plan creation reports the environment's error");
        /* ... and the API call recovers from it. */
        CHECK(simdpool_set_isa(SIMDPOOL_ISA_SCALAR) == SIMDPOOL_OK, "set_isa(scalar)");
        CHECK(plan_status(&used) == SIMDPOOL_OK && used == SIMDPOOL_ISA_SCALAR, "plan after set_isa");
    }

    /* The API override, for every ISA. */
    for (int i = 0; i < SIMDPOOL_ISA_COUNT; i++) {
        simdpool_status s = simdpool_set_isa((simdpool_isa)i);
        if (runnable & (1u << i)) {
            CHECK(s == SIMDPOOL_OK, "set_isa(%s)", simdpool_isa_name((simdpool_isa)i));
            CHECK(simdpool_get_isa(&isa) == SIMDPOOL_OK && isa == (simdpool_isa)i, "get_isa after set");
            CHECK(plan_status(&used) == SIMDPOOL_OK && (used == (simdpool_isa)i || used == SIMDPOOL_ISA_SCALAR),
                  "plan uses the forced ISA (or the reference where it has no kernel)");
        } else {
            simdpool_isa before;
            simdpool_get_isa(&before);
            CHECK(s == SIMDPOOL_ERR_ISA_UNAVAILABLE, "set_isa(%s) on a CPU that cannot run it",
                  simdpool_isa_name((simdpool_isa)i));
            CHECK(simdpool_get_isa(&isa) == SIMDPOOL_OK && isa == before, "a refused set_isa changes nothing");
            printf("test_dispatch: %s is not runnable here: checked that forcing it is refused\n",
                   simdpool_isa_name((simdpool_isa)i));
        }
    }
    CHECK(simdpool_set_isa((simdpool_isa)42) == SIMDPOOL_ERR_UNKNOWN_ISA, "unknown ISA value");
    CHECK(simdpool_set_isa(SIMDPOOL_ISA_AUTO) == SIMDPOOL_OK && simdpool_get_isa(&isa) == SIMDPOOL_OK &&
              isa == best_runnable(), "auto returns to the best runnable");

    /* Names round-trip. */
    for (int i = -1; i < SIMDPOOL_ISA_COUNT; i++) {
        simdpool_isa back;
        CHECK(simdpool_isa_from_name(simdpool_isa_name((simdpool_isa)i), &back) == SIMDPOOL_OK &&
                  back == (simdpool_isa)i, "name of ISA %d", i);
    }
    CHECK(simdpool_isa_from_name("AVX512", &isa) == SIMDPOOL_ERR_UNKNOWN_ISA, "names are exact");
    CHECK(simdpool_isa_name((simdpool_isa)9) == NULL, "no name for an unknown ISA");

    printf("test_dispatch: %d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}
