// oneDNN (Debian libdnnl-dev, 2.x API) as a peer: pooling_v2 forward and
// backward, plain (ncw/nchw/ncdhw) and channels-last (nwc/nhwc/ndhwc) tags,
// max and both averages. Its threading is OpenMP, set per run.
#include <dnnl.hpp>
#include <omp.h>

#include <stdexcept>
#include <unordered_map>

#include "peers.hpp"

namespace spbench {
namespace {

using dnnl::algorithm;
using dnnl::memory;
using tag = dnnl::memory::format_tag;

dnnl::engine &engine()
{
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

std::string unsupported(const tool_case &c)
{
    const simdpool_desc &d = c.desc;
    if (d.divisor_override) return "no divisor override";
    for (int i = 0; i < d.dims; i++) {
        int64_t pr = derived_pad_end(d, i);
        int64_t extent = (d.kernel[i] - 1) * d.dilation[i] + 1;
        // oneDNN's avg_p divides by the whole kernel: the same as simdpool's
        // only when no window reaches past the end padding (no ceil overhang).
        if (d.alg == SIMDPOOL_AVG_INCLUDE_PAD && pr > d.pad_end[i])
            return "avg_p divisor differs (ceil-mode overhang)";
        if (d.alg == SIMDPOOL_AVG_EXCLUDE_PAD && (d.pad_begin[i] >= extent || pr >= extent))
            return "oneDNN refuses avg_np with padding >= window";
        if (pr < -d.stride[i]) return "end padding below -stride";
    }
    return "";
}

class OnednnRunner : public Runner {
public:
    OnednnRunner(const tool_case &c, CaseData &data, int threads) : threads_(threads)
    {
        const simdpool_desc &d = c.desc;
        memory::dims src_dims{d.batch, d.channels}, dst_dims{d.batch, d.channels};
        memory::dims strides, kernel, dilation, pl, pr;
        for (int i = 0; i < d.dims; i++) {
            src_dims.push_back(d.in[i]);
            dst_dims.push_back(out_extent(d, i));
            strides.push_back(d.stride[i]);
            kernel.push_back(d.kernel[i]);
            dilation.push_back(d.dilation[i] - 1);  // oneDNN counts skipped elements
            pl.push_back(d.pad_begin[i]);
            pr.push_back(derived_pad_end(d, i));
        }
        const bool last = d.layout == SIMDPOOL_CHANNELS_LAST;
        static const tag first_tags[] = {tag::ncw, tag::nchw, tag::ncdhw};
        static const tag last_tags[] = {tag::nwc, tag::nhwc, tag::ndhwc};
        tag t = last ? last_tags[d.dims - 1] : first_tags[d.dims - 1];
        memory::desc src_md(src_dims, memory::data_type::f32, t);
        memory::desc dst_md(dst_dims, memory::data_type::f32, t);
        algorithm alg = d.alg == SIMDPOOL_MAX ? algorithm::pooling_max
                        : d.alg == SIMDPOOL_AVG_INCLUDE_PAD ? algorithm::pooling_avg_include_padding
                                                            : algorithm::pooling_avg_exclude_padding;
        bool train = c.train || c.dir == SIMDPOOL_BACKWARD;
        auto prop = train ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
        dnnl::pooling_v2_forward::desc fd(prop, alg, src_md, dst_md, strides, kernel, dilation,
                                          pl, pr);
        dnnl::pooling_v2_forward::primitive_desc fpd(fd, engine());
        omp_set_num_threads(threads_);
        stream_ = dnnl::stream(engine());
        memory src(src_md, engine(), data.src.data());
        memory dst(dst_md, engine(), data.dst.data());
        fwd_ = dnnl::pooling_v2_forward(fpd);
        impl_ = fpd.impl_info_str();
        args_ = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
        if (d.alg == SIMDPOOL_MAX && train) {
            memory ws(fpd.workspace_desc(), engine());
            args_[DNNL_ARG_WORKSPACE] = ws;
        }
        backward_ = c.dir == SIMDPOOL_BACKWARD;
        if (backward_) {
            // The workspace the backward pass reads comes from a forward run.
            fwd_.execute(stream_, args_);
            stream_.wait();
            dnnl::pooling_v2_backward::desc bd(alg, src_md, dst_md, strides, kernel, dilation,
                                               pl, pr);
            dnnl::pooling_v2_backward::primitive_desc bpd(bd, engine(), fpd);
            bwd_ = dnnl::pooling_v2_backward(bpd);
            impl_ = bpd.impl_info_str();
            memory dd(dst_md, engine(), data.diff_dst.data());
            memory ds(src_md, engine(), data.diff_src.data());
            std::unordered_map<int, memory> b{{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_SRC, ds}};
            if (args_.count(DNNL_ARG_WORKSPACE)) b[DNNL_ARG_WORKSPACE] = args_[DNNL_ARG_WORKSPACE];
            args_ = b;
        }
    }

    void run() override
    {
        omp_set_num_threads(threads_);
        if (backward_) bwd_.execute(stream_, args_);
        else fwd_.execute(stream_, args_);
        stream_.wait();
    }

    std::string label() const override { return "onednn:" + impl_; }

private:
    std::string impl_;
    int threads_;
    bool backward_ = false;
    dnnl::stream stream_;
    dnnl::pooling_v2_forward fwd_;
    dnnl::pooling_v2_backward bwd_;
    std::unordered_map<int, memory> args_;
};

std::unique_ptr<Runner> make(const tool_case &c, CaseData &data, int threads)
{
    return std::make_unique<OnednnRunner>(c, data, threads);
}

const Peer peer{"onednn", true, unsupported, make};
PeerRegistration reg(&peer);

}  // namespace
}  // namespace spbench
