// XNNPACK (Debian libxnnpack-dev, its 2022 operator API) as a peer: NHWC max
// and average pooling forward, inference only (it writes no indices). 1D runs
// as 2D with H = 1. Its average excludes padding, so it stands beside avg_np,
// or avg_p when no window touches padding. Ceil mode becomes extra end padding,
// which neither max nor its average ever counts.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "peers.hpp"

namespace spbench {
namespace {

std::string unsupported(const tool_case &c)
{
    const simdpool_desc &d = c.desc;
    if (d.layout != SIMDPOOL_CHANNELS_LAST) return "NHWC only";
    if (c.dir != SIMDPOOL_FORWARD) return "forward only";
    if (d.dims == 3) return "no 3D pooling";
    if (d.alg == SIMDPOOL_MAX && c.train) return "no indices";
    if (d.divisor_override) return "no divisor override";
    for (int i = 0; i < d.dims; i++) {
        if (derived_pad_end(d, i) < 0) return "negative end padding";
        if (d.alg != SIMDPOOL_MAX && d.dilation[i] != 1) return "dilated average";
        if (d.alg == SIMDPOOL_AVG_INCLUDE_PAD && (d.pad_begin[i] || derived_pad_end(d, i)))
            return "average includes padding";
        // A window of padding only: simdpool's average is 0, XNNPACK's -inf.
        if (d.alg != SIMDPOOL_MAX &&
            (d.pad_begin[i] >= d.kernel[i] || derived_pad_end(d, i) >= d.kernel[i]))
            return "all-padding windows";
    }
    int64_t taps = 1;
    for (int i = 0; i < d.dims; i++) taps *= d.kernel[i];
    if (taps == 1) return "1x1 pooling";
    return "";
}

class XnnRunner : public Runner {
public:
    XnnRunner(const tool_case &c, CaseData &data, int threads)
    {
        static const bool ok = xnn_initialize(nullptr) == xnn_status_success;
        if (!ok) throw std::runtime_error("xnn_initialize failed");
        const simdpool_desc &d = c.desc;
        uint32_t ih = 1, iw, kh = 1, kw, sh = 1, sw, dh = 1, dw, pt = 0, pb = 0, pl, pr;
        int w = d.dims - 1;
        if (d.dims == 2) {
            ih = (uint32_t)d.in[0];
            kh = (uint32_t)d.kernel[0];
            sh = (uint32_t)d.stride[0];
            dh = (uint32_t)d.dilation[0];
            pt = (uint32_t)d.pad_begin[0];
            pb = (uint32_t)derived_pad_end(d, 0);
        }
        iw = (uint32_t)d.in[w];
        kw = (uint32_t)d.kernel[w];
        sw = (uint32_t)d.stride[w];
        dw = (uint32_t)d.dilation[w];
        pl = (uint32_t)d.pad_begin[w];
        pr = (uint32_t)derived_pad_end(d, w);
        const float inf = std::numeric_limits<float>::infinity();
        size_t ch = (size_t)d.channels;
        xnn_status st;
        if (d.alg == SIMDPOOL_MAX)
            st = xnn_create_max_pooling2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, dh, dw, ch, ch,
                                                   ch, -inf, inf, 0, &op_);
        else
            st = xnn_create_average_pooling2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, ch, ch, ch,
                                                       -inf, inf, 0, &op_);
        if (st != xnn_status_success) throw std::runtime_error("xnn_create failed");
        if (threads > 1) pool_ = pthreadpool_create((size_t)threads);
        if (d.alg == SIMDPOOL_MAX)
            st = xnn_setup_max_pooling2d_nhwc_f32(op_, (size_t)d.batch, ih, iw, data.src.data(),
                                                  data.dst.data(), pool_);
        else
            st = xnn_setup_average_pooling2d_nhwc_f32(op_, (size_t)d.batch, ih, iw,
                                                      data.src.data(), data.dst.data(), pool_);
        if (st != xnn_status_success) throw std::runtime_error("xnn_setup failed");
    }

    ~XnnRunner() override
    {
        if (op_) xnn_delete_operator(op_);
        if (pool_) pthreadpool_destroy(pool_);
    }

    void run() override { xnn_run_operator(op_, pool_); }

private:
    xnn_operator_t op_ = nullptr;
    pthreadpool_t pool_ = nullptr;
};

std::unique_ptr<Runner> make(const tool_case &c, CaseData &data, int threads)
{
    return std::make_unique<XnnRunner>(c, data, threads);
}

const Peer peer{"xnnpack", true, unsupported, make};
PeerRegistration reg(&peer);

}  // namespace
}  // namespace spbench
