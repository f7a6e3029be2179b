// RUN: rpnn-opt %s -t rpnn-c | filecheck %s
// RUN: rpnn-opt %s -t 'rpnn-c{function="main"}' | filecheck %s

// A W1A1 layer (XNOR-popcount), a 2-bit layer with 32-bit accumulators, a label select;
// the input quantizer is in the whole-network entry point rpnn_forward_f32.
func.func @main(%x: tensor<1x8xf32>) -> tensor<1x1xsi3> {
  %q = rpnn.bipolar_quant %x scale = dense<1.0> : tensor<f32> : tensor<1x8xf32> -> tensor<1x8x!rpnn.bipolar>
  %s = rpnn.tensor_to_stream %q : tensor<1x8x!rpnn.bipolar> -> !rpnn.stream<8x!rpnn.bipolar, 4>
  %w1 = rpnn.constant dense<[[1, -1, 1, 1], [-1, -1, 1, 1], [1, 1, 1, -1], [1, -1, -1, 1], [1, 1, -1, -1], [-1, 1, 1, -1], [1, 1, 1, 1], [-1, -1, -1, 1]]> : tensor<8x4xsi2> -> tensor<8x4x!rpnn.bipolar>
  %t1 = rpnn.constant dense<[[0], [2], [-2], [0]]> : tensor<4x1xsi3>
  %h = rpnn.mvtu %s, %w1, %t1 pe = 2 simd = 4 acc = si5 resource = "lut" ram = "auto" : !rpnn.stream<8x!rpnn.bipolar, 4>, tensor<8x4x!rpnn.bipolar>, tensor<4x1xsi3> -> !rpnn.stream<4x!rpnn.bipolar, 2>
  %w2 = rpnn.constant dense<[[1, 0, -2], [-1, 1, 0], [0, 1, 1], [1, -2, 1]]> : tensor<4x3xsi2>
  %o = rpnn.mvtu %h, %w2 pe = 3 simd = 2 acc = si4 resource = "dsp" ram = "distributed" : !rpnn.stream<4x!rpnn.bipolar, 2>, tensor<4x3xsi2> -> !rpnn.stream<3xsi4, 3>
  %l = rpnn.label_select %o k = 1 pe = 3 : !rpnn.stream<3xsi4, 3> -> !rpnn.stream<1xsi3, 1>
  %y = rpnn.stream_to_tensor %l : !rpnn.stream<1xsi3, 1> -> tensor<1x1xsi3>
  func.return %y : tensor<1x1xsi3>
}

// CHECK:      // ----- rpnn.h -----
// CHECK:      #define RPNN_NUM_INPUTS 1
// CHECK-NEXT: #define RPNN_NUM_OUTPUTS 1
// CHECK:      #define RPNN_INPUT_ELEMS 8
// CHECK:      #define RPNN_OUTPUT_ELEMS 1
// CHECK:      #define RPNN_HAS_FORWARD_F32 1
// CHECK:      int rpnn_kernel_level(void);
// CHECK-NEXT: int rpnn_forward(const int8_t *input, int8_t *output, size_t n_frames);
// CHECK-NEXT: int rpnn_forward_mt(const int8_t *input, int8_t *output, size_t n_frames, int n_threads);
// CHECK-NEXT: int rpnn_forward_f32(const float *input, int64_t *output, size_t n_frames, int n_threads);

// CHECK:      // ----- rpnn.c -----
// CHECK:      #include "rpnn.h"
// CHECK:      #define RPNN_POPCOUNT64(v) __builtin_popcountll(v)
// CHECK:      static int rpnn_popcount64(uint64_t v)

// Bipolar weights: one 64-bit word per output (bit k = +1 at row k), column 0 = 0b01011101.
// CHECK:      static const uint64_t l0_h_w[4] = {
// CHECK-NEXT:     0x000000000000005dULL,
// Thresholds sorted per channel, 2-bit weights in int16 lanes, transposed [MH][MW].
// CHECK:      static const int32_t l0_h_t[4] = {
// CHECK-NEXT:     0, 2, -2, 0
// CHECK:      static const int16_t l1_o_w[12] = {
// CHECK-NEXT:     1, -1, 0, 1, 0, 1, 1, -2, -2, 0, 1, 1

// CHECK:      static int l0_h_count(int32_t a, size_t m)
// CHECK:      static void l0_h_k0(const int8_t *restrict x0, int8_t *restrict y, size_t frames)
// CHECK:      p[0] += RPNN_POPCOUNT64(xp[0][k] ^ wk);
// CHECK:      int32_t a = 8 - 2 * p[j];
// CHECK:      y[(v + j) * 4 + m] = (int8_t)((l0_h_count(a, m) ? 1 : -1));
// Level 2: AVX-512 VPOPCNTQ, one masked word.
// CHECK:      RPNN_LEVEL2 static void l0_h_k2(const int8_t *restrict x0, int8_t *restrict y, size_t frames)
// CHECK:      s[0] = _mm512_add_epi64(s[0], _mm512_popcnt_epi64(_mm512_xor_si512(LOAD(xp[0] + k), wk)));
// CHECK:      static void l0_h(const int8_t *restrict x0, int8_t *restrict y, size_t frames, int level)

// CHECK:      static void l1_o_k0(const int8_t *restrict x0, int8_t *restrict y, size_t frames)
// CHECK-NEXT: {
// CHECK-NEXT:     int16_t xs[4];
// CHECK:              xs[k] = (int16_t)xv[k];
// CHECK:              int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a;
// CHECK:                  a0 += (int32_t)xk * (int32_t)w0[k];
// CHECK:              a += (int32_t)(int16_t)xs[k] * (int32_t)w[k];
// Level 2: bipolar inputs offset by 128 into bytes, VPDPBUSD (4 vectors x 4 outputs), the
// offset taken off again.
// CHECK:      RPNN_LEVEL2 static void l1_o_k2(
// CHECK:              xs[f][k] = (uint8_t)(xv[k] + 128);
// CHECK:      w1 = _mm512_loadu_si512((const void *)(w + 64 + k));
// CHECK:      s[3][1] = _mm512_dpbusd_epi32(s[3][1], x3, w1);
// CHECK:      int32_t a = _mm512_reduce_add_epi32(s[f][j]) - l1_o_ws[m + j];
// CHECK:      static void l2_l(const int8_t *restrict x0, int8_t *restrict y, size_t frames)

// CHECK:      static void rpnn_fpga(unsigned char *arena, const int8_t *input, int8_t *output, size_t n_frames, int level)
// CHECK:      for (f0 = 0; f0 < n_frames; f0 += 64) {
// CHECK:      const int8_t *b0 = input + f0 * 8;
// CHECK-NEXT: l0_h(b0, b1, n, level);
// CHECK-NEXT: l1_o(b1, b2, n, level);
// CHECK-NEXT: l2_l(b2, b3, n);
// CHECK-NEXT: memcpy(output + f0 * 1, b3, n * 1 * sizeof *output);
// CHECK:      int rpnn_forward_mt(
// CHECK:      job.level = rpnn_kernel_level();
// CHECK:      return rpnn_parallel(&job, n_frames, n_threads);
// The whole network: the bipolar quantizer on each frame, then the FPGA part.
// CHECK:      static int rpnn_pre(const float *a0, int8_t *p0, double *hd, int64_t *hi)
// CHECK:      (hi + 0)[i] = 2 * (int64_t)(a0[i] >= 0.0) - 1;
// CHECK:      p0[i] = (int8_t)(hi + 0)[i];
