/*
 * The ISA choice: made once, on first use, from SIMDPOOL_ISA or the CPU;
 * simdpool_set_isa changes it later. Plans copy the choice when created, so
 * a change never affects a plan that exists.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

static const char *const isa_names[SIMDPOOL_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

/* Best first: the order in which the dispatcher prefers runnable ISAs. */
static const simdpool_isa preference[] = {SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_AVX2,
                                          SIMDPOOL_ISA_NEON, SIMDPOOL_ISA_SCALAR};

const char *simdpool_isa_name(simdpool_isa isa)
{
    if (isa == SIMDPOOL_ISA_AUTO) return "auto";
    if (isa < 0 || isa >= SIMDPOOL_ISA_COUNT) return NULL;
    return isa_names[isa];
}

simdpool_status simdpool_isa_from_name(const char *name, simdpool_isa *isa)
{
    if (!name || !isa) return SIMDPOOL_ERR_NULL_POINTER;
    if (strcmp(name, "auto") == 0) {
        *isa = SIMDPOOL_ISA_AUTO;
        return SIMDPOOL_OK;
    }
    for (int i = 0; i < SIMDPOOL_ISA_COUNT; i++)
        if (strcmp(name, isa_names[i]) == 0) {
            *isa = (simdpool_isa)i;
            return SIMDPOOL_OK;
        }
    return SIMDPOOL_ERR_UNKNOWN_ISA;
}

unsigned simdpool_isas_compiled(void)
{
    unsigned isas = 1u << SIMDPOOL_ISA_SCALAR;
#ifdef SIMDPOOL_HAVE_AVX2
    isas |= 1u << SIMDPOOL_ISA_AVX2;
#endif
#ifdef SIMDPOOL_HAVE_AVX512
    isas |= 1u << SIMDPOOL_ISA_AVX512;
#endif
#ifdef SIMDPOOL_HAVE_NEON
    isas |= 1u << SIMDPOOL_ISA_NEON;
#endif
    return isas;
}

/* What the CPU and OS support, asked once. */
static unsigned cpu_isas;
static char cpu_text[256];
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void ask_cpu(void)
{
    cpu_isas = sp_cpu_detect(cpu_text, sizeof cpu_text);
}

unsigned simdpool_isas_runnable(void)
{
    pthread_once(&cpu_once, ask_cpu);
    return simdpool_isas_compiled() & cpu_isas;
}

const char *simdpool_cpu_features(void)
{
    pthread_once(&cpu_once, ask_cpu);
    return cpu_text;
}

static simdpool_isa best_runnable(void)
{
    unsigned runnable = simdpool_isas_runnable();
    for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++)
        if (runnable & (1u << preference[i])) return preference[i];
    return SIMDPOOL_ISA_SCALAR;
}

/* The global choice: an ISA (>= 0), or minus the status that makes the
 * environment's choice unusable. */
static atomic_int global_choice;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static simdpool_status check_runnable(simdpool_isa isa)
{
    if (isa < 0 || isa >= SIMDPOOL_ISA_COUNT) return SIMDPOOL_ERR_UNKNOWN_ISA;
    return simdpool_isas_runnable() & (1u << isa) ? SIMDPOOL_OK : SIMDPOOL_ERR_ISA_UNAVAILABLE;
}

static void choose_from_environment(void)
{
    const char *env = getenv("SIMDPOOL_ISA");
    simdpool_isa isa = SIMDPOOL_ISA_AUTO;
    if (env && *env) {
        simdpool_status status = simdpool_isa_from_name(env, &isa);
        if (status == SIMDPOOL_OK && isa != SIMDPOOL_ISA_AUTO) status = check_runnable(isa);
        if (status != SIMDPOOL_OK) {
            atomic_store(&global_choice, -(int)status);
            return;
        }
    }
    atomic_store(&global_choice, isa == SIMDPOOL_ISA_AUTO ? best_runnable() : isa);
}

simdpool_status simdpool_set_isa(simdpool_isa isa)
{
    pthread_once(&once, choose_from_environment);
    if (isa == SIMDPOOL_ISA_AUTO) isa = best_runnable();
    simdpool_status status = check_runnable(isa);
    if (status == SIMDPOOL_OK) atomic_store(&global_choice, isa);
    return status;
}

simdpool_status simdpool_get_isa(simdpool_isa *isa)
{
    if (!isa) return SIMDPOOL_ERR_NULL_POINTER;
    pthread_once(&once, choose_from_environment);
    int choice = atomic_load(&global_choice);
    if (choice < 0) return (simdpool_status)-choice;
    *isa = (simdpool_isa)choice;
    return SIMDPOOL_OK;
}

simdpool_status sp_resolve_isa(simdpool_isa requested, simdpool_isa *chosen)
{
    if (requested == SIMDPOOL_ISA_AUTO) return simdpool_get_isa(chosen);
    simdpool_status status = check_runnable(requested);
    if (status == SIMDPOOL_OK) *chosen = requested;
    return status;
}

static const sp_isa_table *table_of(simdpool_isa isa)
{
    switch (isa) {
#ifdef SIMDPOOL_HAVE_AVX2
    case SIMDPOOL_ISA_AVX2: return &sp_table_avx2;
#endif
#ifdef SIMDPOOL_HAVE_AVX512
    case SIMDPOOL_ISA_AVX512: return &sp_table_avx512;
#endif
#ifdef SIMDPOOL_HAVE_NEON
    case SIMDPOOL_ISA_NEON: return &sp_table_neon;
#endif
    default: return &sp_table_scalar;
    }
}

sp_forward_kernel sp_pick_forward(simdpool_isa isa, const sp_problem *p, bool stream,
                                  simdpool_isa *used)
{
    sp_forward_kernel k = table_of(isa)->pick_forward(p, stream);
    *used = isa;
    if (!k.run) {
        k = sp_table_scalar.pick_forward(p, false);
        *used = SIMDPOOL_ISA_SCALAR;
    }
    return k;
}

sp_backward_kernel sp_pick_backward(simdpool_isa isa, const sp_problem *p, bool stream,
                                    simdpool_isa *used)
{
    sp_backward_kernel k = table_of(isa)->pick_backward(p, stream);
    *used = isa;
    if (!k.run) {
        k = sp_table_scalar.pick_backward(p, false);
        *used = SIMDPOOL_ISA_SCALAR;
    }
    return k;
}
