// PyTorch's ATen (Debian libtorch-dev) as a peer: max_pool{2,3}d_with_indices,
// avg_pool{2,3}d and their backward, contiguous and channels_last. 1D goes
// through the 2D operators with H = 1, as torch.nn.functional does itself.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "peers.hpp"

namespace spbench {
namespace {

std::string unsupported(const tool_case &c)
{
    const simdpool_desc &d = c.desc;
    for (int i = 0; i < d.dims; i++) {
        if (d.pad_begin[i] != d.pad_end[i]) return "asymmetric padding";
        if (d.pad_begin[i] > d.kernel[i] / 2) return "padding > kernel / 2";
        if (d.alg != SIMDPOOL_MAX && d.dilation[i] != 1) return "dilated average";
    }
    return "";
}

class TorchRunner : public Runner {
public:
    TorchRunner(const tool_case &c, CaseData &data, int threads) : c_(c), threads_(threads)
    {
        const simdpool_desc &d = c.desc;
        // Logical sizes N, C, spatial (1D as N, C, 1, W), strides of the layout.
        std::vector<int64_t> in{d.batch, d.channels}, out{d.batch, d.channels};
        if (d.dims == 1) {
            in.push_back(1);
            out.push_back(1);
            k_ = {1};
            s_ = {1};
            p_ = {0};
            dil_ = {1};
        }
        for (int i = 0; i < d.dims; i++) {
            in.push_back(d.in[i]);
            out.push_back(out_extent(d, i));
            k_.push_back(d.kernel[i]);
            s_.push_back(d.stride[i]);
            p_.push_back(d.pad_begin[i]);
            dil_.push_back(d.dilation[i]);
        }
        auto fmt = d.layout == SIMDPOOL_CHANNELS_FIRST ? at::MemoryFormat::Contiguous
                   : in.size() == 5                    ? at::MemoryFormat::ChannelsLast3d
                                                       : at::MemoryFormat::ChannelsLast;
        auto opts = at::TensorOptions().dtype(at::kFloat);
        auto wrap = [&](float *p, const std::vector<int64_t> &sizes) {
            return at::from_blob(p, sizes, at::empty(sizes, opts.memory_format(fmt)).strides(),
                                 opts);
        };
        src_ = wrap(data.src.data(), in);
        dst_ = wrap(data.dst.data(), out);
        three_ = in.size() == 5;
        if (d.divisor_override) divisor_ = d.divisor_override;
        at::set_num_threads(threads_);
        train_ = d.alg == SIMDPOOL_MAX && (c.train || c.dir == SIMDPOOL_BACKWARD);
        if (c.dir == SIMDPOOL_BACKWARD && d.alg == SIMDPOOL_MAX) forward();  // its indices
        if (c.dir == SIMDPOOL_BACKWARD) {
            dd_ = wrap(data.diff_dst.data(), out);
            ds_ = wrap(data.diff_src.data(), in);
        }
    }

    // The functional operators, as users call them: each allocates its result
    // (the _out forms mishandle channels_last_3d outputs in 1.13).
    void forward()
    {
        const simdpool_desc &d = c_.desc;
        bool ceil = d.ceil_mode != 0;
        if (d.alg == SIMDPOOL_MAX) {
            if (train_) {
                auto r = three_ ? at::max_pool3d_with_indices(src_, k_, s_, p_, dil_, ceil)
                                : at::max_pool2d_with_indices(src_, k_, s_, p_, dil_, ceil);
                result_ = std::get<0>(r);
                idx_ = std::get<1>(r);
            } else {
                result_ = three_ ? at::max_pool3d(src_, k_, s_, p_, dil_, ceil)
                                 : at::max_pool2d(src_, k_, s_, p_, dil_, ceil);
            }
            return;
        }
        bool incl = d.alg == SIMDPOOL_AVG_INCLUDE_PAD;
        result_ = three_ ? at::avg_pool3d(src_, k_, s_, p_, ceil, incl, divisor_)
                         : at::avg_pool2d(src_, k_, s_, p_, ceil, incl, divisor_);
    }

    void backward()
    {
        const simdpool_desc &d = c_.desc;
        bool ceil = d.ceil_mode != 0;
        if (d.alg == SIMDPOOL_MAX) {
            result_ = three_ ? at::max_pool3d_with_indices_backward(dd_, src_, k_, s_, p_, dil_,
                                                                    ceil, idx_)
                             : at::max_pool2d_with_indices_backward(dd_, src_, k_, s_, p_, dil_,
                                                                    ceil, idx_);
            return;
        }
        bool incl = d.alg == SIMDPOOL_AVG_INCLUDE_PAD;
        result_ = three_ ? at::avg_pool3d_backward(dd_, src_, k_, s_, p_, ceil, incl, divisor_)
                         : at::avg_pool2d_backward(dd_, src_, k_, s_, p_, ceil, incl, divisor_);
    }

    void copy_result() override
    {
        (c_.dir == SIMDPOOL_BACKWARD ? ds_ : dst_).copy_(result_);
    }

    void run() override
    {
        if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
        if (c_.dir == SIMDPOOL_BACKWARD) backward();
        else forward();
    }

private:
    const tool_case &c_;
    int threads_;
    bool three_ = false, train_ = false;
    std::vector<int64_t> k_, s_, p_, dil_;
    c10::optional<int64_t> divisor_;
    at::Tensor src_, dst_, idx_, dd_, ds_, result_;
};

std::unique_ptr<Runner> make(const tool_case &c, CaseData &data, int threads)
{
    return std::make_unique<TorchRunner>(c, data, threads);
}

const Peer peer{"torch", true, unsupported, make};
PeerRegistration reg(&peer);

}  // namespace
}  // namespace spbench
