// rpnn_hls.hpp: the rpnn project's HLS templates for dataflow units (Vitis HLS, C++14).
//
// Written for rpnn (docs/backends.md); each template processes ONE frame per call, reading
// and writing hls::stream words. Element i of a word sits at bits [i*B, (i+1)*B) (B bits
// per element, two's complement for SInt, bit 1 = +1 for Bipolar), as in docs/semantics.md.
//
// Element types:   SInt<N>, UInt<N>, Bipolar
// Multipliers:     ResLut (BIND_OP impl=fabric), ResDsp (BIND_OP impl=dsp)
// Weight memory:   weights[PE][NF * SF] words of SIMD * WB bits: the word for PE p at
//                  tile (nf, sf) holds W[sf*SIMD + s][nf*PE + p] in slot s (see docs).
// Thresholds:      thresholds[PE][NF] words of T * TB bits: the T thresholds of channel
//                  nf*PE + p, ascending, threshold t in slot t.
// Both are stored as 64-bit chunks (see join below): array[PE][...][CHUNKS(word bits)].
#ifndef RPNN_HLS_HPP
#define RPNN_HLS_HPP

#include <ap_int.h>
#include <hls_stream.h>

namespace rpnn {

// ------------------------------------------------------------------------ element types

template <int N>
struct SInt {
    enum { bits = N, bipolar = 0 };
    typedef ap_int<N> value_type;
    static value_type decode(ap_uint<N> raw) {
        value_type v;
        v.range(N - 1, 0) = raw;
        return v;
    }
};

template <int N>
struct UInt {
    enum { bits = N, bipolar = 0 };
    typedef ap_uint<N> value_type;
    static value_type decode(ap_uint<N> raw) { return raw; }
};

struct Bipolar {
    enum { bits = 1, bipolar = 1 };
    typedef ap_int<2> value_type;
    static value_type decode(ap_uint<1> raw) { return raw ? value_type(1) : value_type(-1); }
};

// Wide enough for every value the units produce before encoding (accumulators <= 32 bits).
typedef ap_int<40> wide_t;

// Bits of an element from a value (two's complement truncation; bipolar: v > 0).
template <class T>
ap_uint<T::bits> encode(wide_t v) {
    if (T::bipolar) {
        return ap_uint<T::bits>(v > 0 ? 1 : 0);
    }
    return ap_uint<T::bits>(v.range(T::bits - 1, 0));
}

// Element i of a word of W elements of type T.
template <class T, int W>
typename T::value_type element(const ap_uint<W * T::bits> &word, int i) {
#pragma HLS INLINE
    return T::decode(word.range((i + 1) * T::bits - 1, i * T::bits));
}

// Constant words (weights, thresholds) are stored as CHUNKS(W) 64-bit integers, least
// significant first: plain integer arrays initialise statically (an array of ap_uint objects
// needs a constructor call per element, which g++ compiles very slowly for large networks).
typedef unsigned long long chunk_t;
#define CHUNKS(W) (((W) + 63) / 64)

template <int W>
ap_uint<W> join(const chunk_t *chunks) {
#pragma HLS INLINE
    ap_uint<W> word = 0;
    for (int c = 0; c < CHUNKS(W); ++c) {
#pragma HLS UNROLL
        word |= ap_uint<W>(ap_uint<64>(chunks[c])) << (64 * c);
    }
    return word;
}

// ------------------------------------------------------------------------ multipliers

struct ResLut {
    template <class A, class B>
    static wide_t mul(A a, B b) {
#pragma HLS INLINE
        wide_t p = a * b;
#pragma HLS BIND_OP variable=p op=mul impl=fabric
        return p;
    }
};

struct ResDsp {
    template <class A, class B>
    static wide_t mul(A a, B b) {
#pragma HLS INLINE
        wide_t p = a * b;
#pragma HLS BIND_OP variable=p op=mul impl=dsp
        return p;
    }
};

// Sum of SIMD products of one input word and one weight word.
template <class TI, class TW, int SIMD, class RES, bool XNOR = (TI::bipolar && TW::bipolar)>
struct Dot {
    static wide_t run(const ap_uint<SIMD * TI::bits> &x, const ap_uint<SIMD * TW::bits> &w) {
#pragma HLS INLINE
        wide_t sum = 0;
        for (int s = 0; s < SIMD; ++s) {
#pragma HLS UNROLL
            sum += RES::mul(element<TI, SIMD>(x, s), element<TW, SIMD>(w, s));
        }
        return sum;
    }
};

// Bipolar x bipolar: 2 * popcount(XNOR) - SIMD, no multiplier.
template <class TI, class TW, int SIMD, class RES>
struct Dot<TI, TW, SIMD, RES, true> {
    static wide_t run(const ap_uint<SIMD> &x, const ap_uint<SIMD> &w) {
#pragma HLS INLINE
        ap_uint<SIMD> same = ~(x ^ w);
        ap_uint<16> count = 0;
        for (int s = 0; s < SIMD; ++s) {
#pragma HLS UNROLL
            count += same[s];
        }
        return wide_t(2 * count) - SIMD;
    }
};

// ------------------------------------------------------------------------ activation

// T == 0: the value itself. Otherwise the number of thresholds <= v (T of TT in a word),
// plus OUT_BIAS, or -1/+1 for a bipolar output.
template <int T, class TT, class TO, int OUT_BIAS>
wide_t activate(wide_t v, const ap_uint<(T > 0 ? T : 1) * TT::bits> &thresholds) {
#pragma HLS INLINE
    if (T == 0) {
        return v;
    }
    ap_uint<16> count = 0;
    for (int t = 0; t < T; ++t) {
#pragma HLS UNROLL
        count += (v >= wide_t(element<TT, (T > 0 ? T : 1)>(thresholds, t))) ? 1 : 0;
    }
    if (TO::bipolar) {
        return wide_t(2 * count) - 1;
    }
    return wide_t(count) + OUT_BIAS;
}

// ------------------------------------------------------------------------ compute units

// Matrix-vector-threshold unit: NPIX vectors of MW elements -> MH outputs each.
// Input words of SIMD elements, output words of PE elements; one tile per cycle.
template <int NPIX, int MW, int MH, int SIMD, int PE, class TI, class TW, class TA, class TO,
          int T, class TT, int OUT_BIAS, class RES>
void mvtu(hls::stream<ap_uint<SIMD * TI::bits> > &in,
          hls::stream<ap_uint<PE * TO::bits> > &out,
          const chunk_t weights[PE][(MH / PE) * (MW / SIMD)][CHUNKS(SIMD * TW::bits)],
          const chunk_t thresholds[PE][MH / PE][CHUNKS((T > 0 ? T : 1) * TT::bits)]) {
    const int SF = MW / SIMD;
    const int NF = MH / PE;
    ap_uint<SIMD * TI::bits> vector[SF];
    typename TA::value_type acc[PE];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
    int sf = 0;
    int nf = 0;
    for (int i = 0; i < NPIX * NF * SF; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<SIMD * TI::bits> x;
        if (nf == 0) {
            x = in.read();
            vector[sf] = x;
        } else {
            x = vector[sf];
        }
        ap_uint<PE * TO::bits> y = 0;
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            typename TA::value_type base = (sf == 0) ? typename TA::value_type(0) : acc[p];
            // TA wraps like the hardware accumulator: the final sum fits TA (checked by the
            // compiler's precision analysis), so wrapped partial sums are harmless.
            acc[p] = base + typename TA::value_type(
                                Dot<TI, TW, SIMD, RES>::run(
                                x, join<SIMD * TW::bits>(weights[p][nf * SF + sf])));
            wide_t v = activate<T, TT, TO, OUT_BIAS>(
                wide_t(acc[p]), join<(T > 0 ? T : 1) * TT::bits>(thresholds[p][nf]));
            y.range((p + 1) * TO::bits - 1, p * TO::bits) = encode<TO>(v);
        }
        if (sf == SF - 1) {
            out.write(y);
        }
        if (++sf == SF) {
            sf = 0;
            if (++nf == NF) {
                nf = 0;
            }
        }
    }
}

// Depthwise unit after a sliding window: NPIX vectors of K2*C elements in (k, c) order,
// one K2-tap filter per channel. Input words of PE*SIMD elements (SIMD taps of PE channels),
// output words of PE channels. weights[PE][(C/PE) * (K2/SIMD)]: the word for PE p at tile
// (cf, tf) holds W[cf*PE + p][tf*SIMD + s] in slot s.
template <int NPIX, int C, int K2, int SIMD, int PE, class TI, class TW, class TA, class TO,
          int T, class TT, int OUT_BIAS, class RES>
void depthwise(hls::stream<ap_uint<PE * SIMD * TI::bits> > &in,
               hls::stream<ap_uint<PE * TO::bits> > &out,
               const chunk_t weights[PE][(C / PE) * (K2 / SIMD)][CHUNKS(SIMD * TW::bits)],
               const chunk_t thresholds[PE][C / PE][CHUNKS((T > 0 ? T : 1) * TT::bits)]) {
    const int CF = C / PE;
    const int TF = K2 / SIMD;
    typename TA::value_type acc[CF][PE];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=2
    int cf = 0;
    int tf = 0;
    for (int i = 0; i < NPIX * TF * CF; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<PE * SIMD * TI::bits> x = in.read();
        ap_uint<PE * TO::bits> y = 0;
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            ap_uint<SIMD * TI::bits> lane = 0;
            for (int s = 0; s < SIMD; ++s) {
#pragma HLS UNROLL
                lane.range((s + 1) * TI::bits - 1, s * TI::bits) =
                    x.range((s * PE + p + 1) * TI::bits - 1, (s * PE + p) * TI::bits);
            }
            typename TA::value_type base = (tf == 0) ? typename TA::value_type(0) : acc[cf][p];
            acc[cf][p] = base + typename TA::value_type(
                                    Dot<TI, TW, SIMD, RES>::run(
                                    lane, join<SIMD * TW::bits>(weights[p][cf * TF + tf])));
            wide_t v = activate<T, TT, TO, OUT_BIAS>(
                wide_t(acc[cf][p]), join<(T > 0 ? T : 1) * TT::bits>(thresholds[p][cf]));
            y.range((p + 1) * TO::bits - 1, p * TO::bits) = encode<TO>(v);
        }
        if (tf == TF - 1) {
            out.write(y);
        }
        if (++cf == CF) {
            cf = 0;
            if (++tf == TF) {
                tf = 0;
            }
        }
    }
}

// Stand-alone thresholds on channels-last words of PE channels (C channels per pixel).
template <int NPIX, int C, int PE, class TI, class TO, int T, class TT, int OUT_BIAS>
void thresholding(hls::stream<ap_uint<PE * TI::bits> > &in,
                  hls::stream<ap_uint<PE * TO::bits> > &out,
                  const chunk_t thresholds[PE][C / PE][CHUNKS(T * TT::bits)]) {
    const int CF = C / PE;
    int cf = 0;
    for (int i = 0; i < NPIX * CF; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<PE * TI::bits> x = in.read();
        ap_uint<PE * TO::bits> y = 0;
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            wide_t v = activate<T, TT, TO, OUT_BIAS>(wide_t(element<TI, PE>(x, p)),
                                                     join<T * TT::bits>(thresholds[p][cf]));
            y.range((p + 1) * TO::bits - 1, p * TO::bits) = encode<TO>(v);
        }
        out.write(y);
        if (++cf == CF) {
            cf = 0;
        }
    }
}

// ------------------------------------------------------------------------ window units

// Sliding-window generator: [H, W, C] -> [OH, OW, KH*KW*C] in (kh, kw, c) order, words of
// WB bits (CW words per pixel). A line buffer keeps the last KH rows.
template <int H, int W, int CW, int KH, int KW, int SH, int SW, int WB>
void swg(hls::stream<ap_uint<WB> > &in, hls::stream<ap_uint<WB> > &out) {
    const int OH = (H - KH) / SH + 1;
    const int OW = (W - KW) / SW + 1;
    ap_uint<WB> rows[KH][W * CW];
    int read = 0;
    for (int oh = 0; oh < OH; ++oh) {
        for (; read < oh * SH + KH; ++read) {
            for (int j = 0; j < W * CW; ++j) {
#pragma HLS PIPELINE II=1
                rows[read % KH][j] = in.read();
            }
        }
        for (int ow = 0; ow < OW; ++ow) {
            for (int k = 0; k < KH * KW * CW; ++k) {
#pragma HLS PIPELINE II=1
                int kh = k / (KW * CW);
                int kw = (k / CW) % KW;
                int cw = k % CW;
                out.write(rows[(oh * SH + kh) % KH][(ow * SW + kw) * CW + cw]);
            }
        }
    }
    for (; read < H; ++read) {  // rows below the last window
        for (int j = 0; j < W * CW; ++j) {
#pragma HLS PIPELINE II=1
            in.read();
        }
    }
}

// Max pool on [H, W, C] (no padding), words of PE elements (CW words per pixel).
template <int H, int W, int CW, int KH, int KW, int SH, int SW, int PE, class TE>
void stream_maxpool(hls::stream<ap_uint<PE * TE::bits> > &in,
                    hls::stream<ap_uint<PE * TE::bits> > &out) {
    const int OH = (H - KH) / SH + 1;
    const int OW = (W - KW) / SW + 1;
    ap_uint<PE * TE::bits> rows[KH][W * CW];
    int read = 0;
    for (int oh = 0; oh < OH; ++oh) {
        for (; read < oh * SH + KH; ++read) {
            for (int j = 0; j < W * CW; ++j) {
#pragma HLS PIPELINE II=1
                rows[read % KH][j] = in.read();
            }
        }
        for (int ow = 0; ow < OW; ++ow) {
            for (int cw = 0; cw < CW; ++cw) {
                typename TE::value_type best[PE];
#pragma HLS ARRAY_PARTITION variable=best complete dim=1
                for (int k = 0; k < KH * KW; ++k) {
#pragma HLS PIPELINE II=1
                    ap_uint<PE * TE::bits> word =
                        rows[(oh * SH + k / KW) % KH][(ow * SW + k % KW) * CW + cw];
                    for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
                        typename TE::value_type v = element<TE, PE>(word, p);
                        if (k == 0 || v > best[p]) {
                            best[p] = v;
                        }
                    }
                }
                ap_uint<PE * TE::bits> y = 0;
                for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
                    y.range((p + 1) * TE::bits - 1, p * TE::bits) = encode<TE>(wide_t(best[p]));
                }
                out.write(y);
            }
        }
    }
    for (; read < H; ++read) {
        for (int j = 0; j < W * CW; ++j) {
#pragma HLS PIPELINE II=1
            in.read();
        }
    }
}

// Pads [H, W, C] by TOP/LEFT/BOTTOM/RIGHT pixels whose words are all `fill`.
template <int H, int W, int CW, int TOP, int LEFT, int BOTTOM, int RIGHT, int WB>
void pad(hls::stream<ap_uint<WB> > &in, hls::stream<ap_uint<WB> > &out,
         const ap_uint<WB> fill) {
    const int OH = H + TOP + BOTTOM;
    const int OW = W + LEFT + RIGHT;
    int y = 0;
    int x = 0;
    int cw = 0;
    for (int i = 0; i < OH * OW * CW; ++i) {
#pragma HLS PIPELINE II=1
        bool inside = y >= TOP && y < TOP + H && x >= LEFT && x < LEFT + W;
        out.write(inside ? in.read() : fill);
        if (++cw == CW) {
            cw = 0;
            if (++x == OW) {
                x = 0;
                ++y;
            }
        }
    }
}

// ------------------------------------------------------------------------ stream plumbing

// Element-wise sum of two streams of NWORDS words of PE elements.
template <int NWORDS, int PE, class TA, class TB, class TO>
void add_streams(hls::stream<ap_uint<PE * TA::bits> > &a, hls::stream<ap_uint<PE * TB::bits> > &b,
                 hls::stream<ap_uint<PE * TO::bits> > &out) {
    for (int i = 0; i < NWORDS; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<PE * TA::bits> x = a.read();
        ap_uint<PE * TB::bits> z = b.read();
        ap_uint<PE * TO::bits> y = 0;
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            wide_t v = wide_t(element<TA, PE>(x, p)) + wide_t(element<TB, PE>(z, p));
            y.range((p + 1) * TO::bits - 1, p * TO::bits) = encode<TO>(v);
        }
        out.write(y);
    }
}

// Indices of the K largest of L values (words of PE), largest first, ties to the lower
// index; written as K/OW words of OW indices.
template <int L, int PE, int K, int OW, class TI, class TO>
void label_select(hls::stream<ap_uint<PE * TI::bits> > &in,
                  hls::stream<ap_uint<OW * TO::bits> > &out) {
    typename TI::value_type best[K];
    ap_uint<16> index[K];
#pragma HLS ARRAY_PARTITION variable=best complete dim=1
#pragma HLS ARRAY_PARTITION variable=index complete dim=1
    for (int j = 0; j < K; ++j) {
#pragma HLS UNROLL
        best[j] = 0;
        index[j] = 0;
    }
    int count = 0;
    for (int i = 0; i < L / PE; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<PE * TI::bits> x = in.read();
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            typename TI::value_type v = element<TI, PE>(x, p);
            // The new entry goes after every kept entry >= v (equal values keep their
            // order): slots from there on shift down by one.
            for (int j = K - 1; j >= 0; --j) {
#pragma HLS UNROLL
                bool at_or_after = !(j < count && best[j] >= v);
                bool after = j > 0 && !(j - 1 < count && best[j - 1] >= v);
                if (after) {
                    best[j] = best[j - 1];
                    index[j] = index[j - 1];
                } else if (at_or_after) {
                    best[j] = v;
                    index[j] = i * PE + p;
                }
            }
            if (count < K) {
                ++count;
            }
        }
    }
    for (int w = 0; w < K / OW; ++w) {
#pragma HLS PIPELINE II=1
        ap_uint<OW * TO::bits> y = 0;
        for (int o = 0; o < OW; ++o) {
#pragma HLS UNROLL
            y.range((o + 1) * TO::bits - 1, o * TO::bits) = index[w * OW + o];
        }
        out.write(y);
    }
}

// Width converter for NELEM elements of B bits, from words of IW to words of OW elements
// (one of IW, OW divides the other; the emitter goes through gcd(IW, OW) otherwise).
template <int NELEM, int IW, int OW, int B>
void dwc(hls::stream<ap_uint<IW * B> > &in, hls::stream<ap_uint<OW * B> > &out) {
    if (IW >= OW) {
        const int R = IW / OW;
        ap_uint<IW * B> word = 0;
        for (int i = 0; i < NELEM / OW; ++i) {
#pragma HLS PIPELINE II=1
            if (i % R == 0) {
                word = in.read();
            }
            out.write(ap_uint<OW * B>(word.range(((i % R) + 1) * OW * B - 1, (i % R) * OW * B)));
        }
    } else {
        const int R = OW / IW;
        ap_uint<OW * B> word = 0;
        for (int i = 0; i < NELEM / IW; ++i) {
#pragma HLS PIPELINE II=1
            word.range(((i % R) + 1) * IW * B - 1, (i % R) * IW * B) = in.read();
            if (i % R == R - 1) {
                out.write(word);
            }
        }
    }
}

// Copies NWORDS words to two streams (residual branches).
template <int NWORDS, int WB>
void duplicate(hls::stream<ap_uint<WB> > &in, hls::stream<ap_uint<WB> > &out0,
               hls::stream<ap_uint<WB> > &out1) {
    for (int i = 0; i < NWORDS; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<WB> x = in.read();
        out0.write(x);
        out1.write(x);
    }
}

// Copies NWORDS words, zero-extending or truncating IB bits to OB bits (AXI-stream ports are
// padded to whole bytes; also an explicit FIFO stage).
template <int NWORDS, int IB, int OB>
void repack(hls::stream<ap_uint<IB> > &in, hls::stream<ap_uint<OB> > &out) {
    for (int i = 0; i < NWORDS; ++i) {
#pragma HLS PIPELINE II=1
        ap_uint<IB> x = in.read();
        out.write(ap_uint<OB>(x));
    }
}

// Reads and drops NWORDS words (a stream no unit consumes must still be drained).
template <int NWORDS, int WB>
void sink(hls::stream<ap_uint<WB> > &in) {
    for (int i = 0; i < NWORDS; ++i) {
#pragma HLS PIPELINE II=1
        in.read();
    }
}

}  // namespace rpnn

#endif  // RPNN_HLS_HPP
