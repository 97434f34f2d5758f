// Peers (oneDNN, PyTorch ATen, XNNPACK) behind one small interface, so the
// benchmark binary times them exactly like simdpool: same problem, same data
// buffers in the same layout, same byte count for GB/s.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

extern "C" {
#include "simdpool.h"
#include "suite.h"
}
#include "harness.h"

namespace spbench {

// Vectors on tool_alloc's 64-byte aligned memory, as framework tensors are,
// so simdpool, the peers and the ceiling stream the same aligned bytes.
template <class T>
struct Aligned64 {
    using value_type = T;
    Aligned64() = default;
    template <class U>
    Aligned64(const Aligned64<U> &) {}
    T *allocate(std::size_t n)
    {
        void *p = tool_alloc(n * sizeof(T));
        if (!p) throw std::bad_alloc();
        return static_cast<T *>(p);
    }
    void deallocate(T *p, std::size_t) { std::free(p); }
    template <class U>
    bool operator==(const Aligned64<U> &) const { return true; }
    template <class U>
    bool operator!=(const Aligned64<U> &) const { return false; }
};
template <class T>
using aligned_vector = std::vector<T, Aligned64<T>>;

// The data of one case, in the case's layout (shared by simdpool and peers).
struct CaseData {
    aligned_vector<float> src, dst, diff_dst, diff_src;
    aligned_vector<int64_t> indices;  // simdpool's, from a forward run (max)
};

// One prepared call; run() is what the timing loop repeats.
class Runner {
public:
    virtual ~Runner() = default;
    virtual void run() = 0;
    // After run(): put the result in CaseData's dst / diff_src when the peer
    // computed it elsewhere (checking only; not timed).
    virtual void copy_result() {}
    // What the peer reports it runs (e.g. oneDNN's implementation name).
    virtual std::string label() const { return ""; }
};

struct Peer {
    const char *name;
    // Whether the library threads on its own (a second, all-cores row).
    bool threads;
    // Empty when the peer computes the same problem, else why not.
    std::string (*unsupported)(const tool_case &c);
    // Builds a runner for `threads` threads (1, or the online CPUs); throws on error.
    std::unique_ptr<Runner> (*make)(const tool_case &c, CaseData &data, int threads);
};

// The peers compiled in (each file registers itself when its option is on).
std::vector<const Peer *> &peers();

struct PeerRegistration {
    explicit PeerRegistration(const Peer *p) { peers().push_back(p); }
};

// Helpers on a simdpool problem.
int64_t out_extent(const simdpool_desc &d, int i);
// oneDNN's derived end padding for the problem's output size:
// (O - 1) * S + E - I - PB. Ceil mode shows up here as a larger value.
int64_t derived_pad_end(const simdpool_desc &d, int i);

}  // namespace spbench
