// rpnn_rtl.v: the rpnn project's RTL units for dataflow designs (Verilog-2005).
//
// Written for rpnn (docs/backends.md, "RTL"). Every unit streams words with AXI-stream style
// handshakes: a word moves when <port>_valid and <port>_ready are both high at a rising clock
// edge. Outputs come from registers (valid never depends combinationally on an input); ready
// may depend combinationally on the downstream ready (a FIFO breaks that chain).
// Element i of a word sits at bits [i*B, (i+1)*B) (B bits per element, two's complement when
// signed, bit 1 = +1 for bipolar), as in docs/semantics.md. Units run frame after frame
// without a start signal; `rst` (synchronous, active high) clears the state.
//
// The subset used reads in Yosys, Verilator and Vivado: ANSI ports, parameters, generate
// loops, $clog2, memories initialised with $readmemh, no SystemVerilog.

// ------------------------------------------------------------------------ building blocks

// One element of B raw bits as a signed value of OW bits (zero/sign extended, bipolar +-1).
module rpnn_decode #(
    parameter B = 1, parameter SIGNED = 0, parameter BIPOLAR = 0, parameter OW = 8
) (
    input  wire [B-1:0]  raw,
    output wire [OW-1:0] value
);
    generate
        if (BIPOLAR) begin : g_bip
            assign value = raw[0] ? {{(OW - 1){1'b0}}, 1'b1} : {OW{1'b1}};
        end else if (SIGNED) begin : g_s
            assign value = {{(OW - B){raw[B-1]}}, raw};
        end else begin : g_u
            assign value = {{(OW - B){1'b0}}, raw};
        end
    endgenerate
endmodule

// Synchronous-read ROM initialised from a $readmemh file (D words of W bits).
// STYLE: 0 = tool's choice, 1 = block RAM, 2 = distributed (LUT) RAM.
module rpnn_rom #(
    parameter W = 8, parameter D = 2, parameter FILE = "", parameter STYLE = 0
) (
    input  wire                             clk,
    input  wire                             en,
    input  wire [$clog2(D > 1 ? D : 2)-1:0] addr,
    output reg  [W-1:0]                     data
);
    generate
        if (STYLE == 1) begin : g_block
            (* rom_style = "block", ram_style = "block" *) reg [W-1:0] mem [0:D-1];
            initial $readmemh(FILE, mem);
            always @(posedge clk) if (en) data <= mem[addr];
        end else if (STYLE == 2) begin : g_dist
`ifdef YOSYS
            // Yosys maps distributed memories to LUT-RAM cells, which need a write port: a
            // ROM asks for LUT logic instead (what Vivado builds a distributed ROM from).
            (* rom_style = "logic" *) reg [W-1:0] mem [0:D-1];
`else
            (* rom_style = "distributed", ram_style = "distributed" *) reg [W-1:0] mem [0:D-1];
`endif
            initial $readmemh(FILE, mem);
            always @(posedge clk) if (en) data <= mem[addr];
        end else begin : g_auto
            reg [W-1:0] mem [0:D-1];
            initial $readmemh(FILE, mem);
            always @(posedge clk) if (en) data <= mem[addr];
        end
    endgenerate
endmodule

// Sum of SIMD products of input and weight elements, modulo 2^AB (the accumulator wraps like
// the hardware; the precision analysis guarantees the final sum fits). Bipolar x bipolar:
// 2 * popcount(XNOR) - SIMD; bipolar x integer: a conditional negation; no multiplier.
// Integer x integer, the op's `resource`: USE_DSP = 1 writes `*` (use_dsp = "yes" for Vivado;
// Yosys maps it to a DSP48 when the product is wide enough, 9 bits on 7-series), USE_DSP = 0
// shift-and-add over the narrower operand's bits (use_dsp = "no"): Yosys ignores use_dsp and
// maps every wide enough `*` to a DSP, so LUT logic must not contain one.
module rpnn_dot #(
    parameter SIMD = 1,
    parameter IB = 1, parameter I_SIGNED = 0, parameter I_BIPOLAR = 0,
    parameter WB = 1, parameter W_SIGNED = 0, parameter W_BIPOLAR = 0,
    parameter AB = 8, parameter USE_DSP = 0
) (
    input  wire [SIMD*IB-1:0] x,
    input  wire [SIMD*WB-1:0] w,
    output wire [AB-1:0]      dot
);
    localparam XW = IB + 1;
    localparam WW = WB + 1;
    localparam PW = XW + WW;
    localparam SW = (AB > PW ? AB : PW) + $clog2(SIMD + 1);
    generate
        if (I_BIPOLAR && W_BIPOLAR) begin : g_xnor
            wire [SIMD-1:0] same = ~(x ^ w);
            reg [SW-1:0] count;
            integer s;
            always @* begin
                count = 0;
                for (s = 0; s < SIMD; s = s + 1) count = count + same[s];
            end
            wire [SW-1:0] value = (count << 1) - SIMD;
            assign dot = value[AB-1:0];
        end else begin : g_mul
            wire [SIMD*SW-1:0] prods;
            genvar s;
            for (s = 0; s < SIMD; s = s + 1) begin : g_lane
                wire [XW-1:0] xv;
                wire [WW-1:0] wv;
                rpnn_decode #(.B(IB), .SIGNED(I_SIGNED), .BIPOLAR(I_BIPOLAR), .OW(XW))
                    dx (.raw(x[s*IB +: IB]), .value(xv));
                rpnn_decode #(.B(WB), .SIGNED(W_SIGNED), .BIPOLAR(W_BIPOLAR), .OW(WW))
                    dw (.raw(w[s*WB +: WB]), .value(wv));
                wire signed [PW-1:0] p;
                if (W_BIPOLAR && !I_BIPOLAR) begin : g_wsign  // x * (+-1): a negation
                    wire signed [PW-1:0] xe = {{(PW - XW){xv[XW-1]}}, xv};
                    assign p = w[s*WB] ? xe : -xe;
                end else if (I_BIPOLAR && !W_BIPOLAR) begin : g_xsign
                    wire signed [PW-1:0] we = {{(PW - WW){wv[WW-1]}}, wv};
                    assign p = x[s*IB] ? we : -we;
                end else if (USE_DSP) begin : g_times
                    (* use_dsp = "yes" *) wire signed [PW-1:0] m = $signed(xv) * $signed(wv);
                    assign p = m;
                end else begin : g_shift_add  // sum of a << j over the bits j of b
                    localparam NB = WW <= XW ? WW : XW;
                    wire [PW-1:0] a;
                    wire [NB-1:0] b;
                    if (WW <= XW) begin : g_bw
                        assign a = {{(PW - XW){xv[XW-1]}}, xv};
                        assign b = wv;
                    end else begin : g_bx
                        assign a = {{(PW - WW){wv[WW-1]}}, wv};
                        assign b = xv;
                    end
                    (* use_dsp = "no" *) reg [PW-1:0] acc;
                    integer j;
                    always @* begin  // b in two's complement: its top bit weighs -2^(NB-1)
                        acc = b[NB-1] ? -(a << (NB - 1)) : {PW{1'b0}};
                        for (j = 0; j < NB - 1; j = j + 1)
                            if (b[j]) acc = acc + (a << j);
                    end
                    assign p = acc;
                end
                assign prods[s*SW +: SW] = {{(SW - PW){p[PW-1]}}, p};
            end
            reg [SW-1:0] sum;
            integer k;
            always @* begin
                sum = 0;
                for (k = 0; k < SIMD; k = k + 1) sum = sum + prods[k*SW +: SW];
            end
            assign dot = sum[AB-1:0];
        end
    endgenerate
endmodule

// Activation of one value v (VB bits, V_SIGNED): with T == 0 the value itself (bipolar:
// v > 0); otherwise the number of the T thresholds (TB bits each) that are <= v, plus
// OUT_BIAS (bipolar: +1 when at least one, else -1), in OB bits.
module rpnn_activate #(
    parameter VB = 8, parameter V_SIGNED = 1,
    parameter T = 0, parameter TB = 1, parameter T_SIGNED = 1,
    parameter OB = 1, parameter O_BIPOLAR = 0, parameter OUT_BIAS = 0
) (
    input  wire [VB-1:0]                     v,
    input  wire [(T > 0 ? T : 1)*TB-1:0]     thr,
    output wire [OB-1:0]                     y
);
    localparam MX = VB > TB ? VB : TB;
    localparam CW = (MX > OB ? MX : OB) + 2;
    wire [CW-1:0] ve;
    rpnn_decode #(.B(VB), .SIGNED(V_SIGNED), .BIPOLAR(0), .OW(CW)) dv (.raw(v), .value(ve));
    generate
        if (T == 0) begin : g_none
            wire [OB:0] positive = {{OB{1'b0}}, ($signed(ve) > 0)};
            assign y = O_BIPOLAR ? positive[OB-1:0] : ve[OB-1:0];
        end else begin : g_thr
            wire [T*CW-1:0] te;
            genvar t;
            for (t = 0; t < T; t = t + 1) begin : g_t
                rpnn_decode #(.B(TB), .SIGNED(T_SIGNED), .BIPOLAR(0), .OW(CW))
                    dt (.raw(thr[t*TB +: TB]), .value(te[t*CW +: CW]));
            end
            reg [CW-1:0] count;
            integer k;
            always @* begin
                count = 0;
                for (k = 0; k < T; k = k + 1)
                    count = count + ($signed(ve) >= $signed(te[k*CW +: CW]) ? 1 : 0);
            end
            wire [CW-1:0] biased = count + OUT_BIAS;
            wire [OB:0] any = {{OB{1'b0}}, (count != 0)};
            assign y = O_BIPOLAR ? any[OB-1:0] : biased[OB-1:0];
        end
    endgenerate
endmodule

// a + 1 without an adder: bit k flips when every lower bit is 1. A ROM read at a counter
// whose increment is a carry chain costs Yosys (abc9) about 4x the LUTs of the same ROM read
// at a register or an adder's output; a counter of LUT logic keeps it at LUT6 + MUXF7/F8.
module rpnn_inc #(parameter N = 1) (
    input  wire [N-1:0] a,
    output wire [N-1:0] y
);
    genvar k;
    generate
        for (k = 0; k < N; k = k + 1) begin : g_bit
            if (k == 0) begin : g_low
                assign y[k] = ~a[k];
            end else begin : g_high
                assign y[k] = a[k] ^ (&a[k-1:0]);
            end
        end
    endgenerate
endmodule

// ------------------------------------------------------------------------ compute units

// Matrix-vector-threshold unit (DEPTHWISE = 0) and depthwise unit (DEPTHWISE = 1).
//
// MVTU: vectors of MW = SF*SIMD elements in, MH = NF*PE outputs each; input words of SIMD
// elements, output words of PE elements. One (nf, sf) tile per cycle, sf innermost; the input
// vector is kept for the NF neuron folds. Weight ROM word nf*SF + sf holds, for PE p at bits
// [p*SIMD*WB, ...), W[sf*SIMD + s][nf*PE + p] in slot s. Thresholds: ROM word nf holds the
// T thresholds (ascending) of channel nf*PE + p at bits [p*T*TB, ...).
// Depthwise: input words of PE*SIMD elements (slot s*PE + p = tap s of PE p), C = CF*PE
// channels, K2 = TF*SIMD taps; tiles (tf, cf) with cf innermost, one accumulator per channel.
// Weight ROM word cf*TF + tf holds W[cf*PE + p][tf*SIMD + s]; threshold ROM word cf.
// INNER/OUTER: SF/NF (MVTU) or CF/TF (depthwise). USE_DSP: the op's resource is "dsp"
// (rpnn_dot: multipliers for DSPs, else LUT logic).
//
// Pipeline: issue (counters, ROM and vector reads) -> accumulate -> activate -> output
// register; the whole pipeline stalls while the output register is full and not taken.
module rpnn_mvu #(
    parameter DEPTHWISE = 0,
    parameter INNER = 1, parameter OUTER = 1, parameter SIMD = 1, parameter PE = 1,
    parameter IB = 1, parameter I_SIGNED = 0, parameter I_BIPOLAR = 0,
    parameter WB = 1, parameter W_SIGNED = 0, parameter W_BIPOLAR = 0,
    parameter AB = 8, parameter A_SIGNED = 1,
    parameter OB = 1, parameter O_BIPOLAR = 0,
    parameter T = 0, parameter TB = 1, parameter T_SIGNED = 1, parameter OUT_BIAS = 0,
    parameter W_FILE = "", parameter T_FILE = "", parameter W_STYLE = 0,
    parameter USE_DSP = 0
) (
    input  wire                                      clk,
    input  wire                                      rst,
    input  wire [(DEPTHWISE ? PE : 1)*SIMD*IB-1:0]   in_data,
    input  wire                                      in_valid,
    output wire                                      in_ready,
    output reg  [PE*OB-1:0]                          out_data,
    output reg                                       out_valid,
    input  wire                                      out_ready
);
    localparam XB = (DEPTHWISE ? PE : 1) * SIMD * IB;
    localparam TILES = INNER * OUTER;
    localparam ACCS = DEPTHWISE ? INNER : 1;
    localparam TWORDS = DEPTHWISE ? INNER : OUTER;
    localparam TT = T > 0 ? T : 1;
    localparam IW = $clog2(INNER > 1 ? INNER : 2);
    localparam OW = $clog2(OUTER > 1 ? OUTER : 2);
    localparam AW = $clog2(TILES > 1 ? TILES : 2);
    localparam CWI = $clog2(ACCS > 1 ? ACCS : 2);
    localparam TWI = $clog2(TWORDS > 1 ? TWORDS : 2);

    wire stall = out_valid && !out_ready;
    reg [IW-1:0] i;   // inner tile counter
    reg [OW-1:0] o;   // outer tile counter
    wire need_in = DEPTHWISE ? 1'b1 : (o == 0);
    wire issue = !stall && (!need_in || in_valid);
    assign in_ready = !stall && need_in;
    // weight address o*INNER + i (MVTU) or i*OUTER + o (depthwise), kept by additions (a
    // multiplication by a constant would cost a DSP or an adder tree)
    reg [AW-1:0] tile;   // MVTU: tiles issued in this vector; depthwise: i * OUTER
    wire [AW-1:0] waddr = DEPTHWISE ? tile + o : tile;
    wire [TWI-1:0] taddr = DEPTHWISE ? i : o;

    wire [IW-1:0] i_inc;
    wire [OW-1:0] o_inc;
    wire [AW-1:0] tile_inc;
    rpnn_inc #(.N(IW)) inc_i (.a(i), .y(i_inc));
    rpnn_inc #(.N(OW)) inc_o (.a(o), .y(o_inc));
    rpnn_inc #(.N(AW)) inc_tile (.a(tile), .y(tile_inc));
    always @(posedge clk) begin
        if (rst) begin
            i <= 0;
            o <= 0;
            tile <= 0;
        end else if (issue) begin
            if (i == INNER - 1) begin
                i <= 0;
                o <= (o == OUTER - 1) ? 0 : o_inc;
            end else begin
                i <= i_inc;
            end
            if (DEPTHWISE) tile <= (i == INNER - 1) ? 0 : tile + OUTER;
            else tile <= (tile == TILES - 1) ? 0 : tile_inc;
        end
    end

    // ---- issue: memories read into stage 1
    wire [PE*SIMD*WB-1:0] w_word;
    // A weight ROM of more than 32 words is mapped on its own (keep_hierarchy), as deep
    // threshold ROMs are (rpnn_thresholding): flattened with the XNORs or products it feeds,
    // abc9 mapped large ones from address decoders (PE 32 x SIMD 64 XNOR, 128 words: 17,297
    // LUT flat, 9,751 apart); a ROM of 32 words or fewer (a LUT5 a column) stays flat, where
    // ABC merges it with what it feeds.
    generate
        if (TILES > 32) begin : g_wrom_apart
            (* keep_hierarchy *)
            rpnn_rom #(.W(PE*SIMD*WB), .D(TILES), .FILE(W_FILE), .STYLE(W_STYLE))
                wrom (.clk(clk), .en(issue), .addr(waddr), .data(w_word));
        end else begin : g_wrom
            rpnn_rom #(.W(PE*SIMD*WB), .D(TILES), .FILE(W_FILE), .STYLE(W_STYLE))
                wrom (.clk(clk), .en(issue), .addr(waddr), .data(w_word));
        end
    endgenerate
    wire [PE*TT*TB-1:0] t_word;
    generate
        if (T > 1 && TWORDS > 32) begin : g_trom_apart  // see rpnn_thresholding
            (* keep_hierarchy *)
            rpnn_rom #(.W(PE*T*TB), .D(TWORDS), .FILE(T_FILE), .STYLE(0))
                trom (.clk(clk), .en(issue), .addr(taddr), .data(t_word));
        end else if (T > 0) begin : g_trom
            rpnn_rom #(.W(PE*T*TB), .D(TWORDS), .FILE(T_FILE), .STYLE(0))
                trom (.clk(clk), .en(issue), .addr(taddr), .data(t_word));
        end else begin : g_notrom
            assign t_word = 0;
        end
    endgenerate

    reg            s1_valid, s1_first, s1_last, s1_use_in;
    reg [XB-1:0]   s1_in;
    reg [CWI-1:0]  s1_acc_index;
    wire [XB-1:0]  s1_x;
    generate
        if (DEPTHWISE) begin : g_novec
            assign s1_x = s1_in;
        end else begin : g_vec
            // the input vector, kept for the OUTER neuron folds
            reg [XB-1:0] vec [0:INNER-1];
            reg [XB-1:0] s1_vec;
            always @(posedge clk) begin
                if (issue && need_in) vec[i] <= in_data;
                if (issue) s1_vec <= vec[i];
            end
            assign s1_x = s1_use_in ? s1_in : s1_vec;
        end
    endgenerate

    always @(posedge clk) begin
        if (rst) begin
            s1_valid <= 1'b0;
        end else if (!stall) begin
            s1_valid <= issue;
        end
        if (issue) begin
            s1_in <= in_data;
            s1_use_in <= need_in;
            s1_first <= DEPTHWISE ? (o == 0) : (i == 0);
            s1_last <= DEPTHWISE ? (o == OUTER - 1) : (i == INNER - 1);
            s1_acc_index <= DEPTHWISE ? i : 0;
        end
    end

    // ---- stage 1: dot products and accumulation, one accumulator set per ACCS
    reg  [PE*AB-1:0] acc [0:ACCS-1];
    wire [PE*AB-1:0] acc_now = acc[s1_acc_index];
    wire [PE*AB-1:0] acc_next;
    genvar p, s;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            wire [SIMD*IB-1:0] lane;
            for (s = 0; s < SIMD; s = s + 1) begin : g_slot
                if (DEPTHWISE) begin : g_dw
                    assign lane[s*IB +: IB] = s1_x[(s*PE + p)*IB +: IB];
                end else begin : g_mv
                    assign lane[s*IB +: IB] = s1_x[s*IB +: IB];
                end
            end
            wire [AB-1:0] dot;
            rpnn_dot #(.SIMD(SIMD), .IB(IB), .I_SIGNED(I_SIGNED), .I_BIPOLAR(I_BIPOLAR),
                       .WB(WB), .W_SIGNED(W_SIGNED), .W_BIPOLAR(W_BIPOLAR), .AB(AB),
                       .USE_DSP(USE_DSP))
                d (.x(lane), .w(w_word[p*SIMD*WB +: SIMD*WB]), .dot(dot));
            assign acc_next[p*AB +: AB] = (s1_first ? {AB{1'b0}} : acc_now[p*AB +: AB]) + dot;
        end
    endgenerate

    reg               s2_valid;
    reg [PE*AB-1:0]   s2_acc;
    reg [PE*TT*TB-1:0] s2_thr;
    always @(posedge clk) begin
        if (!stall && s1_valid) acc[s1_acc_index] <= acc_next;
        if (rst) begin
            s2_valid <= 1'b0;
        end else if (!stall) begin
            s2_valid <= s1_valid && s1_last;
        end
        if (!stall && s1_valid && s1_last) begin
            s2_acc <= acc_next;
            s2_thr <= t_word;
        end
    end

    // ---- stage 2: activation into the output register
    wire [PE*OB-1:0] y;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_act
            rpnn_activate #(.VB(AB), .V_SIGNED(A_SIGNED), .T(T), .TB(TB), .T_SIGNED(T_SIGNED),
                            .OB(OB), .O_BIPOLAR(O_BIPOLAR), .OUT_BIAS(OUT_BIAS))
                a (.v(s2_acc[p*AB +: AB]), .thr(s2_thr[p*TT*TB +: TT*TB]), .y(y[p*OB +: OB]));
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) begin
            out_valid <= 1'b0;
        end else if (!stall) begin
            out_valid <= s2_valid;
        end
        if (!stall && s2_valid) out_data <= y;
    end
endmodule

// Stand-alone thresholds on channels-last words of PE channels (C = CF*PE channels per
// pixel); threshold ROM word cf holds channel cf*PE + p's T thresholds at bits [p*T*TB, ...).
module rpnn_thresholding #(
    parameter CF = 1, parameter PE = 1,
    parameter IB = 1, parameter I_SIGNED = 0,
    parameter OB = 1, parameter O_BIPOLAR = 0,
    parameter T = 1, parameter TB = 1, parameter T_SIGNED = 1, parameter OUT_BIAS = 0,
    parameter T_FILE = ""
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [PE*IB-1:0]   in_data,
    input  wire               in_valid,
    output wire               in_ready,
    output reg  [PE*OB-1:0]   out_data,
    output reg                out_valid,
    input  wire               out_ready
);
    localparam CFW = $clog2(CF > 1 ? CF : 2);
    wire stall = out_valid && !out_ready;
    wire issue = !stall && in_valid;
    assign in_ready = !stall;
    reg [CFW-1:0] cf;
    wire [CFW-1:0] cf_inc;
    rpnn_inc #(.N(CFW)) inc_cf (.a(cf), .y(cf_inc));
    always @(posedge clk) begin
        if (rst) cf <= 0;
        else if (issue) cf <= (cf == CF - 1) ? 0 : cf_inc;
    end
    wire [PE*T*TB-1:0] t_word;
    // A threshold ROM of more than 32 words for more than one threshold a channel is
    // mapped on its own (keep_hierarchy): flattened with the comparators and their count,
    // abc9 built it from address decoders at about 3 LUTs a column instead of one LUT6
    // (measured, 8 PEs x 15 thresholds of 14 bits, 64 words: 6,206 LUT flat, 2,970 apart;
    // 3 thresholds: 590 -> 496, 128 words 965 -> 738). Apart, its constant and equal
    // columns no longer simplify the logic it feeds (about 20% more flip-flops), so a ROM
    // of 32 words or fewer (a LUT5 a column either way: 2,313 LUT flat, 2,464 apart) or of
    // one threshold a channel (no count: 166 vs 167) stays flat.
    generate
        if (T > 1 && CF > 32) begin : g_apart
            (* keep_hierarchy *)
            rpnn_rom #(.W(PE*T*TB), .D(CF), .FILE(T_FILE), .STYLE(0))
                trom (.clk(clk), .en(issue), .addr(cf), .data(t_word));
        end else begin : g_flat
            rpnn_rom #(.W(PE*T*TB), .D(CF), .FILE(T_FILE), .STYLE(0))
                trom (.clk(clk), .en(issue), .addr(cf), .data(t_word));
        end
    endgenerate
    reg s1_valid;
    reg [PE*IB-1:0] s1_x;
    always @(posedge clk) begin
        if (rst) s1_valid <= 1'b0;
        else if (!stall) s1_valid <= issue;
        if (issue) s1_x <= in_data;
    end
    wire [PE*OB-1:0] y;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_act
            rpnn_activate #(.VB(IB), .V_SIGNED(I_SIGNED), .T(T), .TB(TB), .T_SIGNED(T_SIGNED),
                            .OB(OB), .O_BIPOLAR(O_BIPOLAR), .OUT_BIAS(OUT_BIAS))
                a (.v(s1_x[p*IB +: IB]), .thr(t_word[p*T*TB +: T*TB]), .y(y[p*OB +: OB]));
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) out_valid <= 1'b0;
        else if (!stall) out_valid <= s1_valid;
        if (!stall && s1_valid) out_data <= y;
    end
endmodule

// ------------------------------------------------------------------------ window units

// Sliding-window generator (POOL = 0) and stream max pool (POOL = 1) on [H, W, C] frames of
// CW words of WB bits per pixel. A ring buffer of R = min(KH + SH, H) rows decouples the
// writer (input rows) from the reader (windows): the writer fills free rows while the reader
// emits the current window row, across frames too (the next frame's first rows go into the
// rows the current frame's last windows no longer need), so frames stream back to back.
// POOL = 0: [OH, OW, KH*KW*C] in (kh, kw, c) order, one word per cycle.
// POOL = 1: max over each KH x KW window of the PE elements (EB bits) of a word, one word
// read per cycle, one written per window and word position.
module rpnn_window #(
    parameter POOL = 0,
    parameter H = 1, parameter W = 1, parameter CW = 1,
    parameter KH = 1, parameter KW = 1, parameter SH = 1, parameter SW = 1,
    parameter WB = 1,
    parameter PE = 1, parameter EB = 1, parameter E_SIGNED = 0, parameter E_BIPOLAR = 0
) (
    input  wire          clk,
    input  wire          rst,
    input  wire [WB-1:0] in_data,
    input  wire          in_valid,
    output wire          in_ready,
    output reg  [WB-1:0] out_data,
    output reg           out_valid,
    input  wire          out_ready
);
    localparam OH = (H - KH) / SH + 1;
    localparam OW = (W - KW) / SW + 1;
    localparam R = (KH + SH < H) ? KH + SH : H;
    // rows from the last window row's first to the frame's end (<= R): released at its end
    localparam LAST = H - (OH - 1) * SH;
    localparam NEED = KH > SH ? KH : SH;
    localparam ROWW = W * CW;
    localparam DEPTH = R * ROWW;
    localparam RW = $clog2(R > 1 ? R : 2) + 1;
    localparam CLW = $clog2(ROWW > 1 ? ROWW : 2);
    localparam AW = $clog2(DEPTH > 1 ? DEPTH : 2);
    localparam OHW = $clog2(OH + 2);
    localparam OWW = $clog2(OW > 1 ? OW : 2);
    localparam KHW = $clog2(KH > 1 ? KH : 2);
    localparam KWW = $clog2(KW > 1 ? KW : 2);
    localparam CWW = $clog2(CW > 1 ? CW : 2);
    localparam VW = EB + 2;

    reg [WB-1:0] mem [0:DEPTH-1];

    // ---- writer: input rows into the ring, frame after frame; `filled` complete rows from
    // the reader's first row on (its slot lslot), the row being written in slot wslot =
    // lslot + filled (mod R)
    reg [RW-1:0]  filled;
    reg [CLW-1:0] col;
    reg [RW-1:0]  wslot;
    wire can_write = filled < R;
    assign in_ready = can_write;
    wire write = can_write && in_valid;
    wire row_in = write && (col == ROWW - 1);
    always @(posedge clk) if (write) mem[wslot * ROWW + col] <= in_data;

    // ---- reader: window words, one per cycle
    wire stall = out_valid && !out_ready;
    reg [OHW-1:0] oh;
    reg [OWW-1:0] ow;
    reg [KHW-1:0] kh;
    reg [KWW-1:0] kw;
    reg [CWW-1:0] cw;
    reg [RW-1:0]  lslot;  // ring slot of the window row's first input row
    reg [CLW-1:0] colbase;  // ow * SW * CW
    wire reader_done = (oh == OH);
    // a window row needs its KH rows; one followed by another also the SH rows it frees at
    // its end (more than KH when SH > KH)
    wire rows_ready = !reader_done && (filled >= ((oh == OH - 1) ? KH : NEED));
    wire issue = !stall && rows_ready;
    wire [RW:0] rs = lslot + kh;
    wire [RW-1:0] rslot = (rs >= R) ? rs - R : rs;
    wire [AW-1:0] raddr = rslot * ROWW + colbase + kw * CW + cw;
    wire last_kw = (kw == KW - 1), last_kh = (kh == KH - 1), last_cw = (cw == CW - 1);
    // swg: cw fastest, then kw, then kh; pool: kw fastest, then kh, then cw
    wire window_end = POOL ? (last_kw && last_kh && last_cw) : (last_cw && last_kw && last_kh);
    wire emit = POOL ? (last_kw && last_kh) : 1'b1;
    wire row_end = issue && window_end && (ow == OW - 1);
    // rows released: SH after a window row, LAST once the frame's rows are all in
    wire frame_end = reader_done && (filled >= LAST);
    wire next_row = row_end && (oh != OH - 1);
    wire [RW-1:0] freed = next_row ? SH : (frame_end ? LAST : 0);
    wire [RW:0] lnext = lslot + freed;

    always @(posedge clk) begin
        if (rst) begin
            filled <= 0;
            col <= 0;
            wslot <= 0;
            oh <= 0;
            ow <= 0;
            kh <= 0;
            kw <= 0;
            cw <= 0;
            lslot <= 0;
            colbase <= 0;
        end else begin
            filled <= filled + row_in - freed;
            lslot <= (lnext >= R) ? lnext - R : lnext;
            if (write) begin
                if (col == ROWW - 1) begin
                    col <= 0;
                    wslot <= (wslot == R - 1) ? 0 : wslot + 1;
                end else begin
                    col <= col + 1;
                end
            end
            if (frame_end) oh <= 0;
            if (issue) begin
                if (POOL) begin
                    if (!last_kw) kw <= kw + 1;
                    else begin
                        kw <= 0;
                        if (!last_kh) kh <= kh + 1;
                        else begin
                            kh <= 0;
                            cw <= last_cw ? 0 : cw + 1;
                        end
                    end
                end else begin
                    if (!last_cw) cw <= cw + 1;
                    else begin
                        cw <= 0;
                        if (!last_kw) kw <= kw + 1;
                        else begin
                            kw <= 0;
                            kh <= last_kh ? 0 : kh + 1;
                        end
                    end
                end
                if (window_end) begin
                    if (ow == OW - 1) begin
                        ow <= 0;
                        colbase <= 0;
                        oh <= oh + 1;
                    end else begin
                        ow <= ow + 1;
                        colbase <= colbase + SW * CW;
                    end
                end
            end
        end
    end

    // ---- stage 1: the word read; output register
    reg [WB-1:0] rdata;
    reg s1_valid, s1_first, s1_emit;
    always @(posedge clk) begin
        if (issue) begin
            rdata <= mem[raddr];
            s1_first <= (kw == 0) && (kh == 0);
            s1_emit <= emit;
        end
        if (rst) s1_valid <= 1'b0;
        else if (!stall) s1_valid <= issue;
    end

    generate
        if (POOL) begin : g_pool
            reg  [WB-1:0] best;
            wire [WB-1:0] merged;
            genvar p;
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                wire [VW-1:0] a, b;
                rpnn_decode #(.B(EB), .SIGNED(E_SIGNED), .BIPOLAR(E_BIPOLAR), .OW(VW))
                    da (.raw(rdata[p*EB +: EB]), .value(a));
                rpnn_decode #(.B(EB), .SIGNED(E_SIGNED), .BIPOLAR(E_BIPOLAR), .OW(VW))
                    db (.raw(best[p*EB +: EB]), .value(b));
                assign merged[p*EB +: EB] = (s1_first || $signed(a) > $signed(b))
                                            ? rdata[p*EB +: EB] : best[p*EB +: EB];
            end
            always @(posedge clk) begin
                if (!stall && s1_valid) best <= merged;
                if (rst) out_valid <= 1'b0;
                else if (!stall) out_valid <= s1_valid && s1_emit;
                if (!stall && s1_valid && s1_emit) out_data <= merged;
            end
        end else begin : g_swg
            always @(posedge clk) begin
                if (rst) out_valid <= 1'b0;
                else if (!stall) out_valid <= s1_valid;
                if (!stall && s1_valid) out_data <= rdata;
            end
        end
    endgenerate
endmodule

// Pads [H, W, C] frames (CW words per pixel) by TOP/LEFT/BOTTOM/RIGHT pixels of FILL words.
// A frame's output starts once its first input word is offered.
module rpnn_pad #(
    parameter H = 1, parameter W = 1, parameter CW = 1,
    parameter TOP = 0, parameter LEFT = 0, parameter BOTTOM = 0, parameter RIGHT = 0,
    parameter WB = 1, parameter [WB-1:0] FILL = 0
) (
    input  wire          clk,
    input  wire          rst,
    input  wire [WB-1:0] in_data,
    input  wire          in_valid,
    output wire          in_ready,
    output reg  [WB-1:0] out_data,
    output reg           out_valid,
    input  wire          out_ready
);
    localparam OH = H + TOP + BOTTOM;
    localparam OW = W + LEFT + RIGHT;
    localparam YW = $clog2(OH + 1);
    localparam XW = $clog2(OW + 1);
    localparam CWW = $clog2(CW > 1 ? CW : 2);
    reg [YW-1:0] y;
    reg [XW-1:0] x;
    reg [CWW-1:0] cw;
    wire interior = (y >= TOP) && (y < TOP + H) && (x >= LEFT) && (x < LEFT + W);
    wire stall = out_valid && !out_ready;
    // a frame starts when its first input word is offered (no border runs ahead of its frame)
    wire at_start = (y == 0) && (x == 0) && (cw == 0);
    wire advance = !stall && (!interior || in_valid) && (!at_start || in_valid);
    assign in_ready = !stall && interior;
    always @(posedge clk) begin
        if (rst) begin
            y <= 0;
            x <= 0;
            cw <= 0;
            out_valid <= 1'b0;
        end else begin
            if (advance) begin
                out_data <= interior ? in_data : FILL;
                if (cw == CW - 1) begin
                    cw <= 0;
                    if (x == OW - 1) begin
                        x <= 0;
                        y <= (y == OH - 1) ? 0 : y + 1;
                    end else begin
                        x <= x + 1;
                    end
                end else begin
                    cw <= cw + 1;
                end
            end
            if (advance) out_valid <= 1'b1;
            else if (out_ready) out_valid <= 1'b0;
        end
    end
endmodule

// ------------------------------------------------------------------------ stream plumbing

// Width converter: words of IW elements of B bits to words of OW elements (one of IW, OW
// divides the other; the generator goes through gcd(IW, OW) otherwise).
module rpnn_dwc #(
    parameter IW = 1, parameter OW = 1, parameter B = 1
) (
    input  wire            clk,
    input  wire            rst,
    input  wire [IW*B-1:0] in_data,
    input  wire            in_valid,
    output wire            in_ready,
    output reg  [OW*B-1:0] out_data,
    output reg             out_valid,
    input  wire            out_ready
);
    localparam R = IW >= OW ? IW / OW : OW / IW;
    localparam KW = $clog2(R > 1 ? R : 2);
    wire stall = out_valid && !out_ready;
    reg [KW-1:0] k;
    generate
        if (IW >= OW) begin : g_down
            reg [IW*B-1:0] word;
            reg have;
            wire take = !stall && have;                      // emit part k
            assign in_ready = !have || (take && k == R - 1);
            wire load = in_ready && in_valid;
            always @(posedge clk) begin
                if (rst) begin
                    have <= 1'b0;
                    k <= 0;
                    out_valid <= 1'b0;
                end else begin
                    if (take) begin
                        out_data <= word[k*OW*B +: OW*B];
                        k <= (k == R - 1) ? 0 : k + 1;
                    end
                    if (load) begin
                        word <= in_data;
                        have <= 1'b1;
                    end else if (take && k == R - 1) begin
                        have <= 1'b0;
                    end
                    if (take) out_valid <= 1'b1;
                    else if (out_ready) out_valid <= 1'b0;
                end
            end
        end else begin : g_up
            reg [OW*B-1:0] word;
            wire last = (k == R - 1);
            assign in_ready = !last || !stall;
            wire fire = in_ready && in_valid;
            always @(posedge clk) begin
                if (rst) begin
                    k <= 0;
                    out_valid <= 1'b0;
                end else begin
                    if (fire) begin
                        word[k*IW*B +: IW*B] <= in_data;
                        k <= last ? 0 : k + 1;
                    end
                    if (fire && last) begin
                        out_data <= {in_data, word[0 +: (R - 1)*IW*B]};
                        out_valid <= 1'b1;
                    end else if (out_ready) begin
                        out_valid <= 1'b0;
                    end
                end
            end
        end
    endgenerate
endmodule

// FIFO of DEPTH words of WB bits (DEPTH - 1 in memory plus the output register). `in_ready`
// depends on `out_ready` only when the FIFO is full.
// STYLE: 0 = tool's choice, 1 = block RAM, 2 = distributed RAM, 3 = UltraRAM.
// `occupancy` (words held) is visible to simulation (the harness records its peak).
module rpnn_fifo #(
    parameter DEPTH = 2, parameter WB = 1, parameter STYLE = 0
) (
    input  wire          clk,
    input  wire          rst,
    input  wire [WB-1:0] in_data,
    input  wire          in_valid,
    output wire          in_ready,
    output reg  [WB-1:0] out_data,
    output reg           out_valid,
    input  wire          out_ready
);
    localparam MD = DEPTH > 1 ? DEPTH - 1 : 1;
    localparam PW = $clog2(MD > 1 ? MD : 2);
    localparam CNTW = $clog2(DEPTH + 1);
    wire [CNTW-1:0] occupancy /* verilator public_flat_rd */;
`ifdef RPNN_FIFO_LIMIT
    // simulation only (rtl_sim's fifo_limits): the harness may lower the depth (>= 2) at run
    // time, so one build serves a search over depths
    reg [CNTW-1:0] limit /* verilator public_flat_rw */;
    initial limit = DEPTH;
`endif
    generate
        if (DEPTH == 1) begin : g_reg
            assign in_ready = !out_valid || out_ready;
            always @(posedge clk) begin
                if (rst) out_valid <= 1'b0;
                else if (in_ready) out_valid <= in_valid;
                if (in_ready && in_valid) out_data <= in_data;
            end
            assign occupancy = out_valid;
        end else begin : g_mem
            reg [PW-1:0] rd, wr;
            reg [CNTW-1:0] count;  // words in memory
            wire pop = (count != 0) && (!out_valid || out_ready);
            // full: a word may still enter in the cycle one leaves (else a FIFO of depth 2
            // would pass only one word every other cycle)
`ifdef RPNN_FIFO_LIMIT
            wire room = count + 1'b1 < limit;
`else
            wire room = count != MD;
`endif
            assign in_ready = room || pop;
            wire push = in_ready && in_valid;
            if (STYLE == 1) begin : g_block
                (* ram_style = "block" *) reg [WB-1:0] mem [0:MD-1];
                always @(posedge clk) begin
                    if (push) mem[wr] <= in_data;
                    if (pop) out_data <= mem[rd];
                end
            end else if (STYLE == 2) begin : g_dist
                (* ram_style = "distributed" *) reg [WB-1:0] mem [0:MD-1];
                always @(posedge clk) begin
                    if (push) mem[wr] <= in_data;
                    if (pop) out_data <= mem[rd];
                end
            end else if (STYLE == 3) begin : g_ultra
                (* ram_style = "ultra" *) reg [WB-1:0] mem [0:MD-1];
                always @(posedge clk) begin
                    if (push) mem[wr] <= in_data;
                    if (pop) out_data <= mem[rd];
                end
            end else begin : g_auto
                reg [WB-1:0] mem [0:MD-1];
                always @(posedge clk) begin
                    if (push) mem[wr] <= in_data;
                    if (pop) out_data <= mem[rd];
                end
            end
            always @(posedge clk) begin
                if (rst) begin
                    rd <= 0;
                    wr <= 0;
                    count <= 0;
                    out_valid <= 1'b0;
                end else begin
                    if (push) wr <= (wr == MD - 1) ? 0 : wr + 1;
                    if (pop) rd <= (rd == MD - 1) ? 0 : rd + 1;
                    count <= count + push - pop;
                    if (pop) out_valid <= 1'b1;
                    else if (out_ready) out_valid <= 1'b0;
                end
            end
            assign occupancy = count + out_valid;
        end
    endgenerate
endmodule

// Copies each word to N consumers (rpnn.duplicate and implicit fan-out). One word register
// with a valid bit per consumer: the next word is taken when every consumer has its copy.
module rpnn_broadcast #(
    parameter N = 2, parameter WB = 1
) (
    input  wire          clk,
    input  wire          rst,
    input  wire [WB-1:0] in_data,
    input  wire          in_valid,
    output wire          in_ready,
    output reg  [WB-1:0] out_data,
    output reg  [N-1:0]  out_valid,
    input  wire [N-1:0]  out_ready
);
    assign in_ready = &(~out_valid | out_ready);
    always @(posedge clk) begin
        if (rst) begin
            out_valid <= 0;
        end else if (in_ready && in_valid) begin
            out_valid <= {N{1'b1}};
        end else begin
            out_valid <= out_valid & ~out_ready;
        end
        if (in_ready && in_valid) out_data <= in_data;
    end
endmodule

// Element-wise sum of two streams of PE elements, truncated to OB bits (bipolar: > 0).
module rpnn_add_streams #(
    parameter PE = 1,
    parameter AB = 1, parameter A_SIGNED = 0, parameter A_BIPOLAR = 0,
    parameter BB = 1, parameter B_SIGNED = 0, parameter B_BIPOLAR = 0,
    parameter OB = 1, parameter O_BIPOLAR = 0
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [PE*AB-1:0] a_data,
    input  wire             a_valid,
    output wire             a_ready,
    input  wire [PE*BB-1:0] b_data,
    input  wire             b_valid,
    output wire             b_ready,
    output reg  [PE*OB-1:0] out_data,
    output reg              out_valid,
    input  wire             out_ready
);
    localparam MX = AB > BB ? AB : BB;
    localparam VW = (MX > OB ? MX : OB) + 2;
    wire stall = out_valid && !out_ready;
    wire fire = !stall && a_valid && b_valid;
    assign a_ready = !stall && b_valid;
    assign b_ready = !stall && a_valid;
    wire [PE*OB-1:0] y;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            wire [VW-1:0] va, vb;
            rpnn_decode #(.B(AB), .SIGNED(A_SIGNED), .BIPOLAR(A_BIPOLAR), .OW(VW))
                da (.raw(a_data[p*AB +: AB]), .value(va));
            rpnn_decode #(.B(BB), .SIGNED(B_SIGNED), .BIPOLAR(B_BIPOLAR), .OW(VW))
                db (.raw(b_data[p*BB +: BB]), .value(vb));
            wire [VW-1:0] sum = va + vb;
            wire [OB:0] positive = {{OB{1'b0}}, ($signed(sum) > 0)};
            assign y[p*OB +: OB] = O_BIPOLAR ? positive[OB-1:0] : sum[OB-1:0];
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) out_valid <= 1'b0;
        else if (fire) out_valid <= 1'b1;
        else if (out_ready) out_valid <= 1'b0;
        if (fire) out_data <= y;
    end
endmodule

// Indices of the K largest of L values (words of PE elements of IB bits), largest first,
// ties to the lower index, written as K/OWD words of OWD indices of OB bits.
module rpnn_label_select #(
    parameter L = 1, parameter PE = 1, parameter K = 1, parameter OWD = 1,
    parameter IB = 1, parameter I_SIGNED = 0, parameter I_BIPOLAR = 0,
    parameter OB = 8
) (
    input  wire              clk,
    input  wire              rst,
    input  wire [PE*IB-1:0]  in_data,
    input  wire              in_valid,
    output wire              in_ready,
    output reg  [OWD*OB-1:0] out_data,
    output reg               out_valid,
    input  wire              out_ready
);
    localparam VW = IB + 2;
    localparam XW = $clog2(L + 1) + 1;
    localparam NW = L / PE;
    localparam NWW = $clog2(NW + 1);
    localparam OWS = K / OWD;
    localparam OSW = $clog2(OWS + 1);
    localparam CNW = $clog2(K + 1) + 1;
    reg [K*VW-1:0]  best;
    reg [K*XW-1:0]  index;
    reg [CNW-1:0]   count;
    reg [NWW-1:0]   words;   // words read in this frame
    reg [XW-1:0]    base;    // index of the word's first element: words * PE, counted
    reg [OSW-1:0]   sent;    // output words written
    wire reading = (words != NW);
    wire stall = out_valid && !out_ready;
    assign in_ready = reading;
    wire take = reading && in_valid;

    // PE insertions in sequence: stage p+1 is stage p with element p inserted
    wire [K*VW-1:0] st_best [0:PE];
    wire [K*XW-1:0] st_index [0:PE];
    wire [CNW-1:0]  st_count [0:PE];
    assign st_best[0] = best;
    assign st_index[0] = index;
    assign st_count[0] = count;
    genvar p, j;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_ins
            wire [VW-1:0] v;
            rpnn_decode #(.B(IB), .SIGNED(I_SIGNED), .BIPOLAR(I_BIPOLAR), .OW(VW))
                dv (.raw(in_data[p*IB +: IB]), .value(v));
            wire [XW-1:0] at = base + p;  // a counter, not words * PE: no multiplier
                                          // (and Yosys 0.70 lost that product's driver)
            wire [K-1:0] keep;  // entry j stays before the new value
            for (j = 0; j < K; j = j + 1) begin : g_keep
                assign keep[j] = (j < st_count[p]) &&
                                 ($signed(st_best[p][j*VW +: VW]) >= $signed(v));
            end
            for (j = 0; j < K; j = j + 1) begin : g_slot
                wire after = (j > 0) && !keep[j > 0 ? j - 1 : 0];
                assign st_best[p+1][j*VW +: VW] =
                    after ? st_best[p][(j > 0 ? j - 1 : 0)*VW +: VW] :
                    !keep[j] ? v : st_best[p][j*VW +: VW];
                assign st_index[p+1][j*XW +: XW] =
                    after ? st_index[p][(j > 0 ? j - 1 : 0)*XW +: XW] :
                    !keep[j] ? at : st_index[p][j*XW +: XW];
            end
            assign st_count[p+1] = (st_count[p] < K) ? st_count[p] + 1 : st_count[p];
        end
    endgenerate

    wire writing = !reading && (sent != OWS);
    wire emit = writing && !stall;
    wire [OWD*OB-1:0] y;
    generate
        for (j = 0; j < OWD; j = j + 1) begin : g_out
            wire [XW-1:0] ix = index[(sent * OWD + j)*XW +: XW];
            wire [XW+OB-1:0] wide = {{OB{1'b0}}, ix};
            assign y[j*OB +: OB] = wide[OB-1:0];
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) begin
            count <= 0;
            words <= 0;
            base <= 0;
            sent <= 0;
            out_valid <= 1'b0;
        end else begin
            if (take) begin
                best <= st_best[PE];
                index <= st_index[PE];
                count <= st_count[PE];
                words <= words + 1;
                base <= base + PE;
            end
            if (emit) begin
                out_data <= y;
                sent <= sent + 1;
            end
            if (emit) out_valid <= 1'b1;
            else if (out_ready) out_valid <= 1'b0;
            if (!reading && sent == OWS) begin  // frame done: start the next
                words <= 0;
                base <= 0;
                sent <= 0;
                count <= 0;
            end
        end
    end
endmodule
