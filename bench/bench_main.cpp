// simdpool's Google Benchmark binary: for every case of the suite (problem,
// algorithm, direction, layout) one benchmark per runnable ISA, the streaming
// ceiling for the same bytes, and the peers compiled in; then the same with all
// cores for the best ISA, the ceiling and the peers that thread.
//
// Names: CASE/IMPL and CASE/IMPL/mt, CASE = problem/alg/dir/layout, IMPL = an
// ISA (scalar is the reference), "ceiling", or a peer. Counters: bytes_per_second
// (the design's stream bytes), ceiling_ratio (ceiling time / time, so 1.0 runs
// at streaming speed). The label is the kernel that ran.
//
// Own flags, before Google Benchmark's: --problems=FILE (default: the built-in
// suite), --mb=N, --no-mt, --check (run every peer once and compare it with
// simdpool's scalar reference instead of timing), --list.
#include <benchmark/benchmark.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "peers.hpp"

extern "C" {
#include "harness.h"
}

namespace spbench {

std::vector<const Peer *> &peers()
{
    static std::vector<const Peer *> list;
    return list;
}

int64_t out_extent(const simdpool_desc &d, int i)
{
    return simdpool_output_extent(d.in[i], d.kernel[i], d.stride[i], d.pad_begin[i],
                                  d.pad_end[i], d.dilation[i], d.ceil_mode);
}

int64_t derived_pad_end(const simdpool_desc &d, int i)
{
    int64_t extent = (d.kernel[i] - 1) * d.dilation[i] + 1;
    return (out_extent(d, i) - 1) * d.stride[i] + extent - d.in[i] - d.pad_begin[i];
}

namespace {

std::vector<tool_case> g_cases;

int64_t elements(const simdpool_desc &d, bool out)
{
    int64_t n = d.batch * d.channels;
    for (int i = 0; i < d.dims; i++) n *= out ? out_extent(d, i) : d.in[i];
    return n;
}

// One case's data at a time: consecutive benchmarks of a case share it.
CaseData &data_for(int index)
{
    static int current = -1;
    static CaseData data;
    if (current == index) return data;
    current = -1;
    const tool_case &c = g_cases[(size_t)index];
    int64_t ns = elements(c.desc, false), nd = elements(c.desc, true);
    data = CaseData();
    data.src.resize((size_t)ns);
    data.dst.resize((size_t)nd);
    tool_fill_random(data.src.data(), ns, 1);
    if (c.dir == SIMDPOOL_BACKWARD) {
        data.diff_dst.resize((size_t)nd);
        data.diff_src.resize((size_t)ns);
        tool_fill_random(data.diff_dst.data(), nd, 2);
    }
    if (c.desc.alg == SIMDPOOL_MAX) {
        data.indices.resize((size_t)nd);
        simdpool_plan *plan = nullptr;
        // The default ISA's indices (fast on batch 32); scalar if SIMDPOOL_ISA is unusable.
        if (simdpool_plan_create(&c.desc, &plan) == SIMDPOOL_OK ||
            simdpool_plan_create_for_isa(&c.desc, SIMDPOOL_ISA_SCALAR, &plan) == SIMDPOOL_OK) {
            simdpool_forward(plan, data.src.data(), data.dst.data(), data.indices.data());
            simdpool_plan_destroy(plan);
        }
    }
    current = index;
    return data;
}

void case_bytes(const tool_case &c, int64_t *rb, int64_t *wb)
{
    simdpool_plan *plan = nullptr;
    *rb = *wb = 0;
    if (simdpool_plan_create_for_isa(&c.desc, SIMDPOOL_ISA_SCALAR, &plan) != SIMDPOOL_OK) return;
    tool_stream_bytes(plan, c.dir, c.train, rb, wb);
    // Backward max without indices recomputes them: it reads src instead.
    if (c.dir == SIMDPOOL_BACKWARD && c.desc.alg == SIMDPOOL_MAX && !c.train)
        *rb += simdpool_plan_src_elements(plan) * (int64_t)sizeof(float);
    simdpool_plan_destroy(plan);
}

struct StreamCtx {
    aligned_vector<unsigned char> in, out;
    int threads;
    int nontemporal;
};

void stream_call(void *p)
{
    auto *s = static_cast<StreamCtx *>(p);
    tool_stream(s->in.data(), s->in.size(), s->out.data(), s->out.size(), s->threads,
                s->nontemporal);
}

// The ceiling for (read, write, threads), measured once per run: the faster
// of plain and non-temporal stores (see tool_time_ceiling), and which it was.
struct Ceiling {
    double seconds;
    int nontemporal;
};

Ceiling ceiling_of(int64_t rb, int64_t wb, int threads)
{
    static std::map<std::tuple<int64_t, int64_t, int>, Ceiling> cache;
    auto key = std::make_tuple(rb, wb, threads);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    StreamCtx s{aligned_vector<unsigned char>((size_t)rb, 1), aligned_vector<unsigned char>((size_t)wb),
                threads, 0};
    tool_call call{};
    call.stream_in = s.in.data();
    call.stream_out = s.out.data();
    call.in_bytes = s.in.size();
    call.out_bytes = s.out.size();
    call.threads = threads;
    double t = tool_time_ceiling(&call, 0.05);
    Ceiling c{t, call.nontemporal};
    cache[key] = c;
    return c;
}

double ceiling_seconds(int64_t rb, int64_t wb, int threads)
{
    return ceiling_of(rb, wb, threads).seconds;
}

// `seconds`: the timed loop's wall time, measured by the caller.
void finish(benchmark::State &state, const tool_case &c, int threads, double seconds)
{
    int64_t rb, wb;
    case_bytes(c, &rb, &wb);
    state.SetBytesProcessed(state.iterations() * (rb + wb));
    if (seconds > 0 && state.iterations() > 0)
        state.counters["ceiling_ratio"] =
            ceiling_seconds(rb, wb, threads) / (seconds / (double)state.iterations());
}

void bm_simdpool(benchmark::State &state, int index, simdpool_isa isa, int threads)
{
    const tool_case &c = g_cases[(size_t)index];
    CaseData &d = data_for(index);
    simdpool_plan *plan = nullptr;
    simdpool_status st = simdpool_plan_create_for_isa(&c.desc, isa, &plan);
    if (st != SIMDPOOL_OK) {
        state.SkipWithError(simdpool_status_message(st));
        return;
    }
    aligned_vector<float> dst(d.dst.size()), diff_src(d.src.size());
    aligned_vector<int64_t> idx(c.train && c.desc.alg == SIMDPOOL_MAX ? d.dst.size() : 0);
    int64_t *fidx = idx.empty() ? nullptr : idx.data();
    const int64_t *bidx = c.desc.alg == SIMDPOOL_MAX && c.train ? d.indices.data() : nullptr;
    double t0 = tool_now();
    for (auto _ : state) {
        if (c.dir == SIMDPOOL_FORWARD)
            st = threads == 1 ? simdpool_forward(plan, d.src.data(), dst.data(), fidx)
                              : simdpool_forward_threaded(plan, d.src.data(), dst.data(), fidx,
                                                          threads);
        else
            st = threads == 1
                     ? simdpool_backward(plan, d.diff_dst.data(), bidx, d.src.data(),
                                         diff_src.data())
                     : simdpool_backward_threaded(plan, d.diff_dst.data(), bidx, d.src.data(),
                                                  diff_src.data(), threads);
    }
    double seconds = tool_now() - t0;
    state.SetLabel(simdpool_plan_kernel_name(plan, c.dir));
    simdpool_plan_destroy(plan);
    if (st != SIMDPOOL_OK) state.SkipWithError(simdpool_status_message(st));
    finish(state, c, threads, seconds);
}

void bm_ceiling(benchmark::State &state, int index, int threads)
{
    const tool_case &c = g_cases[(size_t)index];
    int64_t rb, wb;
    case_bytes(c, &rb, &wb);
    int nontemporal = ceiling_of(rb, wb, threads).nontemporal;
    StreamCtx s{aligned_vector<unsigned char>((size_t)rb, 1), aligned_vector<unsigned char>((size_t)wb),
                threads, nontemporal};
    double t0 = tool_now();
    for (auto _ : state) stream_call(&s);
    double seconds = tool_now() - t0;
    state.SetLabel(std::string("stream_") + tool_stream_isa() + (nontemporal ? "_nt" : ""));
    finish(state, c, threads, seconds);
}

void bm_peer(benchmark::State &state, int index, const Peer *peer, int threads)
{
    const tool_case &c = g_cases[(size_t)index];
    CaseData &d = data_for(index);
    std::unique_ptr<Runner> r;
    try {
        r = peer->make(c, d, threads);
        r->run();
    } catch (const std::exception &e) {
        state.SkipWithError(e.what());
        return;
    }
    double t0 = tool_now();
    for (auto _ : state) r->run();
    double seconds = tool_now() - t0;
    std::string label = r->label();
    state.SetLabel(label.empty() ? peer->name : label);
    finish(state, c, threads, seconds);
}

// --check: each peer once against simdpool's scalar reference.
int check_peers()
{
    int bad = 0, compared = 0;
    for (size_t i = 0; i < g_cases.size(); i++) {
        const tool_case &c = g_cases[i];
        CaseData &d = data_for((int)i);
        simdpool_plan *ref = nullptr;
        if (simdpool_plan_create_for_isa(&c.desc, SIMDPOOL_ISA_SCALAR, &ref) != SIMDPOOL_OK) continue;
        aligned_vector<float> want(c.dir == SIMDPOOL_FORWARD ? d.dst.size() : d.src.size());
        if (c.dir == SIMDPOOL_FORWARD)
            simdpool_forward(ref, d.src.data(), want.data(), nullptr);
        else
            simdpool_backward(ref, d.diff_dst.data(), nullptr, d.src.data(), want.data());
        simdpool_plan_destroy(ref);
        int64_t taps = 1;
        for (int k = 0; k < c.desc.dims; k++) taps *= c.desc.kernel[k];
        for (const Peer *p : peers()) {
            if (!p->unsupported(c).empty()) continue;
            aligned_vector<float> &got = c.dir == SIMDPOOL_FORWARD ? d.dst : d.diff_src;
            std::fill(got.begin(), got.end(), NAN);
            try {
                auto r = p->make(c, d, 1);
                r->run();
                r->copy_result();
            } catch (const std::exception &e) {
                std::printf("%-48s %-8s ERROR %s\n", c.name, p->name, e.what());
                bad++;
                continue;
            }
            // Random data in [-1, 1): sums of at most `taps` terms per output
            // (or per diff_src element), divisors >= 1.
            double tol = 4.0 * (double)taps * (double)taps * FLT_EPSILON;
            int64_t mism = 0, first = -1;
            for (size_t k = 0; k < got.size(); k++) {
                float g = got[k], w = want[k];
                // oneDNN writes -FLT_MAX for a window with no valid tap.
                if (g == w || (std::isnan(g) && std::isnan(w)) ||
                    (std::isinf(w) && w < 0 && g == -FLT_MAX) ||
                    std::fabs((double)g - (double)w) <= tol)
                    continue;
                if (first < 0) first = (int64_t)k;
                mism++;
            }
            compared++;
            if (mism) {
                bad++;
                std::printf("%-48s %-8s MISMATCH %lld of %zu, first at %lld: %.9g vs %.9g\n",
                            c.name, p->name, (long long)mism, got.size(), (long long)first,
                            got[(size_t)first], want[(size_t)first]);
            } else {
                std::printf("%-48s %-8s ok\n", c.name, p->name);
            }
        }
    }
    std::printf("%d passed, %d failed\n", compared - bad, bad);
    return bad ? 1 : 0;
}

}  // namespace
}  // namespace spbench

int main(int argc, char **argv)
{
    using namespace spbench;
    const char *problems = nullptr;
    long long mb = 0;
    bool mt = true, check = false, list = false;
    std::vector<char *> rest{argv[0]};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!std::strncmp(a, "--problems=", 11)) problems = a + 11;
        else if (!std::strcmp(a, "--problems") && i + 1 < argc) problems = argv[++i];
        else if (!std::strncmp(a, "--mb=", 5)) mb = std::atoll(a + 5);
        else if (!std::strcmp(a, "--no-mt")) mt = false;
        else if (!std::strcmp(a, "--check")) check = true;
        else if (!std::strcmp(a, "--list")) list = true;
        else rest.push_back(argv[i]);
    }
    tool_case *cases = nullptr;
    char err[512];
    int n = tool_cases_load(problems, mb, &cases, err, sizeof err);
    if (n < 0) {
        std::fprintf(stderr, "simdpool-bench: %s\n", err);
        return 2;
    }
    g_cases.assign(cases, cases + n);
    std::free(cases);

    if (list) {
        for (const tool_case &c : g_cases) {
            std::printf("%s", c.name);
            for (const Peer *p : peers()) {
                std::string why = p->unsupported(c);
                std::printf("  %s:%s", p->name, why.empty() ? "yes" : why.c_str());
            }
            std::printf("\n");
        }
        return 0;
    }
    if (check) return check_peers();

    unsigned runnable = simdpool_isas_runnable();
    simdpool_isa best = SIMDPOOL_ISA_SCALAR;
    simdpool_get_isa(&best);
    int cpus = tool_online_cpus();
    for (int i = 0; i < n; i++) {
        const tool_case &c = g_cases[(size_t)i];
        std::string base = c.name;
        for (int isa = 0; isa < SIMDPOOL_ISA_COUNT; isa++)
            if (runnable & (1u << isa))
                benchmark::RegisterBenchmark((base + "/" + simdpool_isa_name((simdpool_isa)isa)).c_str(),
                                             bm_simdpool, i, (simdpool_isa)isa, 1)
                    ->UseRealTime()->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark((base + "/ceiling").c_str(), bm_ceiling, i, 1)->UseRealTime()->Unit(benchmark::kMicrosecond);
        for (const Peer *p : peers())
            if (p->unsupported(c).empty())
                benchmark::RegisterBenchmark((base + "/" + p->name).c_str(), bm_peer, i, p, 1)
                    ->UseRealTime()->Unit(benchmark::kMicrosecond);
        if (mt && cpus > 1) {
            benchmark::RegisterBenchmark((base + "/" + simdpool_isa_name(best) + "/mt").c_str(),
                                         bm_simdpool, i, best, cpus)
                ->UseRealTime()->Unit(benchmark::kMicrosecond);
            benchmark::RegisterBenchmark((base + "/ceiling/mt").c_str(), bm_ceiling, i, cpus)
                ->UseRealTime()->Unit(benchmark::kMicrosecond);
            for (const Peer *p : peers())
                if (p->threads && p->unsupported(c).empty())
                    benchmark::RegisterBenchmark((base + "/" + p->name + "/mt").c_str(), bm_peer,
                                                 i, p, cpus)
                        ->UseRealTime()->Unit(benchmark::kMicrosecond);
        }
    }
    int bargc = (int)rest.size();
    benchmark::Initialize(&bargc, rest.data());
    if (benchmark::ReportUnrecognizedArguments(bargc, rest.data())) return 2;
    benchmark::AddCustomContext("simdpool_isa_best", simdpool_isa_name(best));
    benchmark::AddCustomContext("simdpool_cpu_features", simdpool_cpu_features());
    benchmark::AddCustomContext("stream_loop", tool_stream_isa());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
