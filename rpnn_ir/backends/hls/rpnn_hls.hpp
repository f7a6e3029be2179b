// rpnn_hls.hpp: the rpnn project's HLS templates for dataflow units (Vitis HLS, C++14).
//
// Written for rpnn (docs/backends.md); each template processes ONE frame per call, reading
// and writing hls::stream words. Element i of a word sits at bits [i*B, (i+1)*B) (B bits
// per element, two's complement for SInt, bit 1 = +1 for Bipolar), as in docs/semantics.md.
// Every unit is one flat loop (or two) with a constant trip count, pipelined at II=1, whose
// iterations per frame are the unit's cycles in rpnn's cost model (docs/cost-model.md);
// indices are wrap-around counters, never `%` or `/` of a loop variable.
//
// Element types:   SInt<N>, UInt<N>, Bipolar
// Multipliers:     ResLut (BIND_OP impl=fabric), ResDsp (BIND_OP impl=dsp)
// Weight memory:   weights[PE][NF * SF] words of SIMD * WB bits: the word for PE p at
//                  tile (nf, sf) holds W[sf*SIMD + s][nf*PE + p] in slot s (see docs).
// Thresholds:      thresholds[PE][NF] words of T * TB bits: the T thresholds of channel
//                  nf*PE + p, ascending, threshold t in slot t.
// Storage of both: exact-width ap_uint words for synthesis (and with RPNN_EXACT_PARAMS);
//                  64-bit chunks in C simulation (see Stored below).
// Line buffers:    the MEM template arguments (MemLutram, MemBram, MemUram) bind them.
#ifndef RPNN_HLS_HPP
#define RPNN_HLS_HPP

#include <ap_int.h>
#include <hls_stream.h>

#ifdef RPNN_COUNT_ITERATIONS
#include <map>
#include <string>
#endif

// A pragma from a macro (pragmas whose text depends on a macro argument).
#define RPNN_PRAGMA(x) _Pragma(#x)

namespace rpnn {

// ------------------------------------------------------------------------ iteration counts

#ifdef RPNN_COUNT_ITERATIONS
// C simulation only: how many iterations of its pipelined loops each unit ran (one cycle
// each at II=1), by the unit label the top function sets before each call.
namespace csim {
inline std::map<std::string, long> &counts() {
    static std::map<std::string, long> table;
    return table;
}
inline long *&current() {
    static long *counter = 0;
    return counter;
}
inline void unit(const char *label) { current() = &counts()[label]; }
inline void iteration() {
    if (current() != 0) {
        ++*current();
    }
}
}  // namespace csim
#define RPNN_UNIT(label) ::rpnn::csim::unit(label);
#define RPNN_ITERATION() ::rpnn::csim::iteration();
#else
#define RPNN_UNIT(label)
#define RPNN_ITERATION()
#endif

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

// Constant words (weights, thresholds). For synthesis each is an ap_uint of exactly its
// width, so one memory per unit is exactly as wide as the cost model prices it. In C
// simulation they are CHUNKS(W) 64-bit integers, least significant first: plain integer
// arrays initialise statically, where an array of ap_uint objects needs a constructor call
// per element (g++ took over 15 minutes on the CNV example). RPNN_EXACT_PARAMS selects the
// synthesis form in C simulation too (tests build both).
typedef unsigned long long chunk_t;
#define CHUNKS(W) (((W) + 63) / 64)

#if defined(__SYNTHESIS__) || defined(RPNN_EXACT_PARAMS)
#define RPNN_EXACT_STORAGE 1
template <int W>
struct Stored {
    typedef ap_uint<W> type;
};
template <int W>
ap_uint<W> load(const ap_uint<W> &word) {
#pragma HLS INLINE
    return word;
}
#else
template <int W>
struct Stored {
    typedef chunk_t type[CHUNKS(W)];
};
template <int W>
ap_uint<W> load(const chunk_t *chunks) {
#pragma HLS INLINE
    ap_uint<W> word = 0;
    for (int c = 0; c < CHUNKS(W); ++c) {
#pragma HLS UNROLL
        word |= ap_uint<W>(ap_uint<64>(chunks[c])) << (64 * c);
    }
    return word;
}
#endif

// Memory kinds of line buffers (the cost model's memory kinds, rpnn_ir.hw.cost.memory_kind).
enum { MemLutram = 0, MemBram = 1, MemUram = 2 };

// Declares NAME (DECL) as a memory of kind MEM, partitioned on its first dimension, then
// runs the statement after it. Pragmas take no template arguments, so each kind is a branch
// of its own; the branches not taken are constant-false and vanish.
#define RPNN_WITH_RAM(MEM, NAME, DECL, ...)                                                  \
    if ((MEM) == ::rpnn::MemUram) {                                                         \
        DECL;                                                                               \
        RPNN_PRAGMA(HLS ARRAY_PARTITION variable=NAME complete dim=1)                   \
        RPNN_PRAGMA(HLS BIND_STORAGE variable=NAME type=ram_s2p impl=uram)            \
        __VA_ARGS__;                                                                        \
    } else if ((MEM) == ::rpnn::MemBram) {                                                  \
        DECL;                                                                               \
        RPNN_PRAGMA(HLS ARRAY_PARTITION variable=NAME complete dim=1)                   \
        RPNN_PRAGMA(HLS BIND_STORAGE variable=NAME type=ram_s2p impl=bram)            \
        __VA_ARGS__;                                                                        \
    } else {                                                                                \
        DECL;                                                                               \
        RPNN_PRAGMA(HLS ARRAY_PARTITION variable=NAME complete dim=1)                   \
        RPNN_PRAGMA(HLS BIND_STORAGE variable=NAME type=ram_s2p impl=lutram)          \
        __VA_ARGS__;                                                                        \
    }

// Bits of a counter from 0 to N.
template <int N>
struct CountBits {
    enum { value = N < 2 ? 1 : 1 + CountBits<N / 2>::value };
};
template <>
struct CountBits<0> {
    enum { value = 1 };
};

// ------------------------------------------------------------------------ multipliers

struct ResLut {
    template <class A, class B>
    static wide_t mul(A a, B b) {
#pragma HLS INLINE
        decltype(a * b) p = a * b;  // the exact product, bound below
#pragma HLS BIND_OP variable=p op=mul impl=fabric
        return wide_t(p);
    }
};

struct ResDsp {
    template <class A, class B>
    static wide_t mul(A a, B b) {
#pragma HLS INLINE
        decltype(a * b) p = a * b;  // the exact product, bound below
#pragma HLS BIND_OP variable=p op=mul impl=dsp
        return wide_t(p);
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
        ap_uint<CountBits<SIMD>::value> count = 0;
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
          const typename Stored<SIMD * TW::bits>::type weights[PE][(MH / PE) * (MW / SIMD)],
          const typename Stored<(T > 0 ? T : 1) * TT::bits>::type thresholds[PE][MH / PE]) {
    const int SF = MW / SIMD;
    const int NF = MH / PE;
    const int TB = (T > 0 ? T : 1) * TT::bits;
    ap_uint<SIMD * TI::bits> vector[SF];
    typename TA::value_type acc[PE];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
    int sf = 0;
    int nf = 0;
    int tile = 0;  // nf * SF + sf
    for (int i = 0; i < NPIX * NF * SF; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
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
            acc[p] = base + typename TA::value_type(Dot<TI, TW, SIMD, RES>::run(
                                x, load<SIMD * TW::bits>(weights[p][tile])));
            wide_t v = activate<T, TT, TO, OUT_BIAS>(wide_t(acc[p]),
                                                     load<TB>(thresholds[p][nf]));
            y.range((p + 1) * TO::bits - 1, p * TO::bits) = encode<TO>(v);
        }
        if (sf == SF - 1) {
            out.write(y);
        }
        ++tile;
        if (++sf == SF) {
            sf = 0;
            if (++nf == NF) {
                nf = 0;
                tile = 0;
            }
        }
    }
}

// Depthwise unit after a sliding window: NPIX vectors of K2*C elements in (k, c) order,
// one K2-tap filter per channel. Input words of PE*SIMD elements (SIMD taps of PE channels),
// output words of PE channels. weights[PE][(C/PE) * (K2/SIMD)]: the word for PE p at tile
// (cf, tf) holds W[cf*PE + p][tf*SIMD + s] in slot s.
// The words of a window come tap fold by tap fold, each over the CF channel folds, so the
// partial sum of a channel fold is needed again CF cycles after it was made: the partial
// sums travel through a CF-stage shift register of registers (written at stage 0, read at
// stage CF - 1), a recurrence of distance CF with constant indices that keeps II=1.
template <int NPIX, int C, int K2, int SIMD, int PE, class TI, class TW, class TA, class TO,
          int T, class TT, int OUT_BIAS, class RES>
void depthwise(hls::stream<ap_uint<PE * SIMD * TI::bits> > &in,
               hls::stream<ap_uint<PE * TO::bits> > &out,
               const typename Stored<SIMD * TW::bits>::type weights[PE][(C / PE) * (K2 / SIMD)],
               const typename Stored<(T > 0 ? T : 1) * TT::bits>::type thresholds[PE][C / PE]) {
    const int CF = C / PE;
    const int TF = K2 / SIMD;
    const int TB = (T > 0 ? T : 1) * TT::bits;
    typename TA::value_type partial[CF][PE];
#pragma HLS ARRAY_PARTITION variable=partial complete dim=0
    int cf = 0;
    int tf = 0;
    int tile = 0;  // cf * TF + tf
    for (int i = 0; i < NPIX * TF * CF; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        ap_uint<PE * SIMD * TI::bits> x = in.read();
        ap_uint<PE * TO::bits> y = 0;
        typename TA::value_type sums[PE];
#pragma HLS ARRAY_PARTITION variable=sums complete dim=1
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            ap_uint<SIMD * TI::bits> lane = 0;
            for (int s = 0; s < SIMD; ++s) {
#pragma HLS UNROLL
                lane.range((s + 1) * TI::bits - 1, s * TI::bits) =
                    x.range((s * PE + p + 1) * TI::bits - 1, (s * PE + p) * TI::bits);
            }
            typename TA::value_type base =
                (tf == 0) ? typename TA::value_type(0) : partial[CF - 1][p];
            sums[p] = base + typename TA::value_type(Dot<TI, TW, SIMD, RES>::run(
                                 lane, load<SIMD * TW::bits>(weights[p][tile])));
            wide_t v = activate<T, TT, TO, OUT_BIAS>(wide_t(sums[p]),
                                                     load<TB>(thresholds[p][cf]));
            y.range((p + 1) * TO::bits - 1, p * TO::bits) = encode<TO>(v);
        }
        for (int j = CF - 1; j > 0; --j) {
#pragma HLS UNROLL
            for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
                partial[j][p] = partial[j - 1][p];
            }
        }
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            partial[0][p] = sums[p];
        }
        if (tf == TF - 1) {
            out.write(y);
        }
        tile += TF;
        if (++cf == CF) {
            cf = 0;
            if (++tf == TF) {
                tf = 0;
            }
            tile = tf;
        }
    }
}

// Stand-alone thresholds on channels-last words of PE channels (C channels per pixel).
template <int NPIX, int C, int PE, class TI, class TO, int T, class TT, int OUT_BIAS>
void thresholding(hls::stream<ap_uint<PE * TI::bits> > &in,
                  hls::stream<ap_uint<PE * TO::bits> > &out,
                  const typename Stored<T * TT::bits>::type thresholds[PE][C / PE]) {
    const int CF = C / PE;
    int cf = 0;
    for (int i = 0; i < NPIX * CF; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        ap_uint<PE * TI::bits> x = in.read();
        ap_uint<PE * TO::bits> y = 0;
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            wide_t v = activate<T, TT, TO, OUT_BIAS>(wide_t(element<TI, PE>(x, p)),
                                                     load<T * TT::bits>(thresholds[p][cf]));
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
// WB bits (CW words per pixel). One flat loop that reads and writes in the same cycles: it
// first reads KH rows, then for each output row writes its OW windows while it reads the
// next SH rows (when there are any left) in max(windows' words, SH rows' words) cycles:
// W*KH*CW + OH * max(OW*KH*KW*CW, SH*W*CW) cycles a frame (FINN's formula). The line buffer
// holds KH + SH rows, one memory each (MEM: its kind): the rows of the windows being
// written and the rows being read never share a memory.
template <int H, int W, int CW, int KH, int KW, int SH, int SW, int WB>
void swg_body(hls::stream<ap_uint<WB> > &in, hls::stream<ap_uint<WB> > &out,
              ap_uint<WB> rows[KH + SH][W * CW]) {
#pragma HLS INLINE
    const int OH = (H - KH) / SH + 1;
    const int OW = (W - KW) / SW + 1;
    const int ROWS = KH + SH;
    const int ROW_WORDS = W * CW;
    const int FILL = KH * ROW_WORDS;
    const int WRITES = OW * KH * KW * CW;
    const int READS = SH * ROW_WORDS;
    const int BLOCK = WRITES > READS ? WRITES : READS;
    int read_slot = 0;  // line buffer row being filled
    int read_word = 0;
    int rows_read = 0;
    int top = 0;  // line buffer row of the windows' first row
    int kh = 0;
    int kw_cw = 0;   // kw * CW + cw within a window row
    int column = 0;  // ow * SW * CW: the window's first word in a row
    int t = 0;       // cycle within the current output row's block
    for (int i = 0; i < FILL + OH * BLOCK; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        const bool filling = i < FILL;
        if (!filling && t < WRITES) {
            int slot = top + kh;
            if (slot >= ROWS) {
                slot -= ROWS;
            }
            out.write(rows[slot][column + kw_cw]);
            if (++kw_cw == KW * CW) {
                kw_cw = 0;
                if (++kh == KH) {
                    kh = 0;
                    column += SW * CW;
                }
            }
        }
        if (rows_read < H && (filling || t < READS)) {
            rows[read_slot][read_word] = in.read();
            if (++read_word == ROW_WORDS) {
                read_word = 0;
                ++rows_read;
                if (++read_slot == ROWS) {
                    read_slot = 0;
                }
            }
        }
        if (!filling && ++t == BLOCK) {
            t = 0;
            column = 0;
            top += SH;
            if (top >= ROWS) {
                top -= ROWS;
            }
        }
    }
}

template <int H, int W, int CW, int KH, int KW, int SH, int SW, int WB, int MEM>
void swg(hls::stream<ap_uint<WB> > &in, hls::stream<ap_uint<WB> > &out) {
    RPNN_WITH_RAM(MEM, rows, ap_uint<WB> rows[KH + SH][W * CW],
                  swg_body<H, W, CW, KH, KW, SH, SW, WB>(in, out, rows))
}

// Larger of two words of PE elements, element by element.
template <int PE, class TE>
ap_uint<PE * TE::bits> max_word(const ap_uint<PE * TE::bits> &a,
                                const ap_uint<PE * TE::bits> &b) {
#pragma HLS INLINE
    ap_uint<PE * TE::bits> y = 0;
    for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
        ap_uint<TE::bits> x = a.range((p + 1) * TE::bits - 1, p * TE::bits);
        ap_uint<TE::bits> z = b.range((p + 1) * TE::bits - 1, p * TE::bits);
        y.range((p + 1) * TE::bits - 1, p * TE::bits) =
            TE::decode(z) > TE::decode(x) ? z : x;
    }
    return y;
}

// The element-wise maximum of `word` and entry `at` of the first N memories of `buffer`.
template <int N, int DEPTH, int PE, class TE>
ap_uint<PE * TE::bits> max_over(ap_uint<PE * TE::bits> word,
                                ap_uint<PE * TE::bits> buffer[N > 0 ? N : 1][DEPTH], int at) {
#pragma HLS INLINE
    for (int s = 0; s < N; ++s) {
#pragma HLS UNROLL
        word = max_word<PE, TE>(word, buffer[s][at]);
    }
    return word;
}

// Max pool on [H, W, C] (no padding), words of PE elements (CW words per pixel). It reads
// every input word once, one per cycle (H*W*CW cycles), in two separable steps: the max over
// a window's row comes from the word read now and the same channel fold of the KW - 1
// previous pixels (a buffer of KW - 1 pixels, one memory each); the max over the window's
// rows from that and the row maxima of the KH - 1 previous rows (a buffer of KH - 1 rows of
// OW*CW row maxima, one memory each). Each memory is read and written at most once a cycle
// and nothing is read back that the same cycle wrote.
template <int H, int W, int CW, int KH, int KW, int SH, int SW, int PE, class TE>
void maxpool_body(hls::stream<ap_uint<PE * TE::bits> > &in,
                  hls::stream<ap_uint<PE * TE::bits> > &out,
                  ap_uint<PE * TE::bits> rows[KH > 1 ? KH - 1 : 1][((W - KW) / SW + 1) * CW],
                  ap_uint<PE * TE::bits> pixels[KW > 1 ? KW - 1 : 1][CW]) {
#pragma HLS INLINE
    typedef ap_uint<PE * TE::bits> word_t;
    const int OW = (W - KW) / SW + 1;
    int h = 0;
    int w = 0;
    int cw = 0;
    int pixel_slot = 0;  // w mod (KW - 1)
    int row_slot = 0;    // h mod (KH - 1)
    int next_w = KW - 1;  // last column of the next window in this row
    int next_h = KH - 1;  // last row of the next row of windows
    int at = 0;           // ow * CW + cw of the next window
    for (int i = 0; i < H * W * CW; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        word_t x = in.read();
        word_t row_max = max_over<KW - 1, CW, PE, TE>(x, pixels, cw);
        if (KW > 1) {
            pixels[pixel_slot][cw] = x;
        }
        const bool window_column = w == next_w;
        if (window_column) {
            word_t window_max = max_over<KH - 1, OW * CW, PE, TE>(row_max, rows, at);
            if (KH > 1) {
                rows[row_slot][at] = row_max;
            }
            if (h == next_h) {
                out.write(window_max);
            }
            ++at;
        }
        if (++cw == CW) {
            cw = 0;
            if (window_column) {
                next_w += SW;
            }
            if (KW > 1 && ++pixel_slot == KW - 1) {
                pixel_slot = 0;
            }
            if (++w == W) {
                w = 0;
                next_w = KW - 1;
                at = 0;
                pixel_slot = 0;
                if (h == next_h) {
                    next_h += SH;
                }
                if (KH > 1 && ++row_slot == KH - 1) {
                    row_slot = 0;
                }
                ++h;
            }
        }
    }
}

template <int H, int W, int CW, int KH, int KW, int SH, int SW, int PE, class TE, int PIXEL_MEM>
void stream_maxpool_rows(hls::stream<ap_uint<PE * TE::bits> > &in,
                         hls::stream<ap_uint<PE * TE::bits> > &out,
                         ap_uint<PE * TE::bits> rows[KH > 1 ? KH - 1 : 1]
                                                    [((W - KW) / SW + 1) * CW]) {
#pragma HLS INLINE
    RPNN_WITH_RAM(PIXEL_MEM, pixels, ap_uint<PE * TE::bits> pixels[KW > 1 ? KW - 1 : 1][CW],
                  maxpool_body<H, W, CW, KH, KW, SH, SW, PE, TE>(in, out, rows, pixels))
}

template <int H, int W, int CW, int KH, int KW, int SH, int SW, int PE, class TE, int ROW_MEM,
          int PIXEL_MEM>
void stream_maxpool(hls::stream<ap_uint<PE * TE::bits> > &in,
                    hls::stream<ap_uint<PE * TE::bits> > &out) {
    RPNN_WITH_RAM(ROW_MEM, rows,
                  ap_uint<PE * TE::bits> rows[KH > 1 ? KH - 1 : 1][((W - KW) / SW + 1) * CW],
                  stream_maxpool_rows<H, W, CW, KH, KW, SH, SW, PE, TE, PIXEL_MEM>(
                      in, out, rows))
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
        RPNN_ITERATION()
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
        RPNN_ITERATION()
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
// index; written as K/OW words of OW indices after the last input word. Each cycle the K
// kept entries and the PE new values are ranked all at once (a candidate's rank is the
// number of candidates that come before it: larger, or equal and with a lower index, kept
// entries always having lower indices than new ones), and the candidate of rank j becomes
// entry j: comparators in parallel and an adder tree, not a PE-deep insertion chain.
// Cycles: L/PE + K/OW.
template <int L, int PE, int K, int OW, class TI, class TO>
void label_select(hls::stream<ap_uint<PE * TI::bits> > &in,
                  hls::stream<ap_uint<OW * TO::bits> > &out) {
    const int N = K + PE;
    typedef ap_uint<CountBits<L>::value> index_t;
    typedef ap_uint<CountBits<N>::value> rank_t;
    typename TI::value_type best[K];
    index_t index[K];
    bool valid[K];
#pragma HLS ARRAY_PARTITION variable=best complete dim=1
#pragma HLS ARRAY_PARTITION variable=index complete dim=1
#pragma HLS ARRAY_PARTITION variable=valid complete dim=1
    for (int j = 0; j < K; ++j) {
#pragma HLS UNROLL
        best[j] = 0;
        index[j] = 0;
        valid[j] = false;
    }
    index_t first = 0;  // index of the word's element 0
    for (int i = 0; i < L / PE; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        ap_uint<PE * TI::bits> x = in.read();
        typename TI::value_type value[N];
        index_t where[N];
        bool live[N];
        rank_t rank[N];
#pragma HLS ARRAY_PARTITION variable=value complete dim=1
#pragma HLS ARRAY_PARTITION variable=where complete dim=1
#pragma HLS ARRAY_PARTITION variable=live complete dim=1
#pragma HLS ARRAY_PARTITION variable=rank complete dim=1
        for (int j = 0; j < K; ++j) {
#pragma HLS UNROLL
            value[j] = best[j];
            where[j] = index[j];
            live[j] = valid[j];
        }
        for (int p = 0; p < PE; ++p) {
#pragma HLS UNROLL
            value[K + p] = element<TI, PE>(x, p);
            where[K + p] = first + p;
            live[K + p] = true;
        }
        for (int a = 0; a < N; ++a) {
#pragma HLS UNROLL
            rank_t r = 0;
            for (int b = 0; b < N; ++b) {
#pragma HLS UNROLL
                bool before = live[b] && (!live[a] || value[b] > value[a] ||
                                          (value[b] == value[a] && b < a));
                r += (b != a && before) ? 1 : 0;
            }
            rank[a] = r;
        }
        for (int j = 0; j < K; ++j) {
#pragma HLS UNROLL
            bool found = false;
            for (int a = 0; a < N; ++a) {
#pragma HLS UNROLL
                if (!found && live[a] && rank[a] == j) {
                    best[j] = value[a];
                    index[j] = where[a];
                    valid[j] = true;
                    found = true;
                }
            }
        }
        first += PE;
    }
    int at = 0;  // w * OW
    for (int w = 0; w < K / OW; ++w) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        ap_uint<OW * TO::bits> y = 0;
        for (int o = 0; o < OW; ++o) {
#pragma HLS UNROLL
            y.range((o + 1) * TO::bits - 1, o * TO::bits) = index[at + o];
        }
        out.write(y);
        at += OW;
    }
}

// Width converter for NELEM elements of B bits, from words of IW to words of OW elements;
// max(NELEM/IW, NELEM/OW) cycles. When one word size divides the other it slices or
// concatenates; otherwise it keeps up to IW + OW - 1 elements, reads whenever it holds
// fewer than OW and writes whenever it holds OW or more (so a down-converter writes every
// cycle and an up-converter reads every cycle).
template <int NELEM, int IW, int OW, int B>
void dwc(hls::stream<ap_uint<IW * B> > &in, hls::stream<ap_uint<OW * B> > &out) {
    if (IW % OW == 0) {
        const int R = IW / OW;
        ap_uint<IW * B> word = 0;
        int part = 0;
        for (int i = 0; i < NELEM / OW; ++i) {
#pragma HLS PIPELINE II=1
            RPNN_ITERATION()
            if (part == 0) {
                word = in.read();
            } else {
                word >>= OW * B;
            }
            out.write(ap_uint<OW * B>(word.range(OW * B - 1, 0)));
            if (++part == R) {
                part = 0;
            }
        }
    } else if (OW % IW == 0) {
        const int R = OW / IW;
        ap_uint<OW * B> word = 0;
        int part = 0;
        for (int i = 0; i < NELEM / IW; ++i) {
#pragma HLS PIPELINE II=1
            RPNN_ITERATION()
            word = (word >> (IW * B)) | (ap_uint<OW * B>(in.read()) << ((R - 1) * IW * B));
            if (++part == R) {
                part = 0;
                out.write(word);
            }
        }
    } else {
        const int CYCLES = NELEM / IW > NELEM / OW ? NELEM / IW : NELEM / OW;
        ap_uint<(IW + OW) * B> held = 0;
        int held_bits = 0;
        int reads = 0;
        for (int i = 0; i < CYCLES; ++i) {
#pragma HLS PIPELINE II=1
            RPNN_ITERATION()
            if (held_bits < OW * B && reads < NELEM / IW) {
                held |= ap_uint<(IW + OW) * B>(in.read()) << held_bits;
                held_bits += IW * B;
                ++reads;
            }
            if (held_bits >= OW * B) {
                out.write(ap_uint<OW * B>(held.range(OW * B - 1, 0)));
                held >>= OW * B;
                held_bits -= OW * B;
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
        RPNN_ITERATION()
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
        RPNN_ITERATION()
        ap_uint<IB> x = in.read();
        out.write(ap_uint<OB>(x));
    }
}

// Reads and drops NWORDS words (a stream no unit consumes must still be drained).
template <int NWORDS, int WB>
void sink(hls::stream<ap_uint<WB> > &in) {
    for (int i = 0; i < NWORDS; ++i) {
#pragma HLS PIPELINE II=1
        RPNN_ITERATION()
        in.read();
    }
}

}  // namespace rpnn

#endif  // RPNN_HLS_HPP
