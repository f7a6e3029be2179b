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
// Each kernel variant computes input vectors [v0, v1) x output rows [r0, r1).
// CHECK:      static void l0_h_k0(const int8_t *restrict x0, int8_t *restrict y, size_t v0, size_t v1, size_t r0, size_t r1)
// CHECK:      p[0] += RPNN_POPCOUNT64(xp[0][k] ^ wk);
// CHECK:      int32_t a = 8 - 2 * p[j];
// CHECK:      y[(v + j) * 4 + m] = (int8_t)((l0_h_count(a, m) ? 1 : -1));
// Level 1: AVX2, byte popcounts by a 4-bit table, summed in bytes then by vpsadbw.
// CHECK:      RPNN_LEVEL1 static void l0_h_k1(const int8_t *restrict x0, int8_t *restrict y, size_t v0, size_t v1, size_t r0, size_t r1)
// CHECK:      rpnn_pack_bipolar_256(x0 + (v + (j < nv ? j : 0)) * 8, 8, xp[j]);
// CHECK:      bytes[0] = _mm256_add_epi8(bytes[0], rpnn_popcount_bytes_256(
// CHECK:      sum[j] = _mm256_add_epi64(sum[j], _mm256_sad_epu8(bytes[j],
// Level 2: AVX-512 VPOPCNTQ, the 4 output rows in the lanes of one vector (weights
// [group][word][8 rows]), the threshold compared in the lanes, a masked narrowing store.
// CHECK:      RPNN_LEVEL2 static void l0_h_k2(const int8_t *restrict x0, int8_t *restrict y, size_t v0, size_t v1, size_t r0, size_t r1)
// CHECK:      const uint64_t *w = l0_h_wr + g * 8;
// CHECK:      __mmask8 keep = g + 1 < 1 ? 0xFF : 15;
// CHECK:      sum[0] = _mm512_add_epi64(sum[0], _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_set1_epi64((long long)xp[0][k]), wk)));
// CHECK:      o = _mm512_mask_add_epi64(o, _mm512_cmpge_epi64_mask(acc, _mm512_loadu_si512((const void *)(l0_h_tv + (g * 1 + s) * 8))), o, _mm512_set1_epi64(1));
// CHECK:      _mm512_mask_cvtepi64_storeu_epi8(y + (v + j) * 4 + g * 8, keep, o);
// The unit hands the block to rpnn_layer (split over the call's threads at small batches).
// CHECK:      static void l0_h(const int8_t *x0, int8_t *y, size_t frames, int level, int team)
// CHECK:      rpnn_layer(l0_h_part, x0, NULL, y, frames * 1, 4, level, team,

// CHECK:      static void l1_o_k0(const int8_t *restrict x0, int8_t *restrict y, size_t v0, size_t v1, size_t r0, size_t r1)
// CHECK-NEXT: {
// CHECK-NEXT:     int16_t xs[4];
// CHECK:              xs[k] = (int16_t)xv[k];
// CHECK:              int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a;
// CHECK:                  a0 += (int32_t)xk * (int32_t)w0[k];
// CHECK:              a += (int32_t)(int16_t)xs[k] * (int32_t)w[k];
// Level 1: AVX2 8-bit dot products (bipolar inputs offset by 1 to unsigned bytes).
// CHECK:      RPNN_LEVEL1 static void l1_o_k1(
// CHECK:      xb[k] = (uint8_t)(xv[k] + 1);
// CHECK:      sum[0] = _mm256_add_epi32(sum[0], _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi32(xq[0][k]), wk), ones));
// CHECK:      a = a8[i] - l1_o_wsx[m];
// Level 2: bipolar inputs (one bit plane, x = 2u - 1) into 2-bit weights (two planes, the
// top one negative): AND-popcount per plane pair, combined with shifts.
// CHECK:      RPNN_LEVEL2 static void l1_o_k2(
// CHECK:      uint64_t plane = _mm512_mask_cmpgt_epi8_mask(in, xb, _mm512_setzero_si512());
// CHECK:      __m512i wq1 = _mm512_loadu_si512((const void *)(w + (k * 2 + 1) * 8));
// CHECK:      sum[3][1] = _mm512_add_epi64(sum[3][1], _mm512_popcnt_epi64(_mm512_and_si512(_mm512_set1_epi64((long long)up[3][0][k]), wq1)));
// CHECK:      acc = _mm512_add_epi64(acc, _mm512_slli_epi64(sum[j][0], 0));
// CHECK-NEXT: acc = _mm512_sub_epi64(acc, _mm512_slli_epi64(sum[j][1], 1));
// CHECK-NEXT: acc = _mm512_slli_epi64(acc, 1);
// CHECK-NEXT: acc = _mm512_add_epi64(acc, _mm512_loadu_si512((const void *)(l1_o_wx + g * 8)));
// CHECK:      static void l2_l(const int8_t *restrict x0, int8_t *restrict y, size_t frames)

// CHECK:      static void rpnn_fpga(unsigned char *arena, const int8_t *input, int8_t *output, size_t n_frames, int level, int team)
// CHECK:      for (f0 = 0; f0 < n_frames; f0 += 64) {
// CHECK:      const int8_t *b0 = input + f0 * 8;
// CHECK-NEXT: l0_h(b0, b1, n, level, team);
// CHECK-NEXT: l1_o(b1, b2, n, level, team);
// CHECK-NEXT: l2_l(b2, b3, n);
// CHECK-NEXT: memcpy(output + f0 * 1, b3, n * 1 * sizeof *output);
// CHECK:      int rpnn_forward_mt(
// CHECK:      job.level = rpnn_kernel_level();
// CHECK:      return rpnn_parallel(&job, n_frames, n_threads);
// The whole network: the bipolar quantizer as one float comparison per element (the least
// float reaching +1 is -0.0), compiled per kernel level, then the FPGA part.
// CHECK:      RPNN_VECTORIZE static inline int rpnn_pre(const float *restrict a0, int8_t *restrict p0, double *hd, int64_t *hi)
// CHECK:      float x = a0[i];
// CHECK-NEXT: int32_t q = -1;
// CHECK-NEXT: nan |= x != x;
// CHECK-NEXT: q += (int32_t)(x >= -0x0.0p+0f) * 2;
// CHECK-NEXT: p0[i] = (int8_t)q;
// CHECK:      RPNN_VECTORIZE RPNN_LEVEL2 static int rpnn_pre_k2(const float *a0, int8_t *p0, double *hd, int64_t *hi, size_t n)
