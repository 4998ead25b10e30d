import { describe, expect, test } from "bun:test";
import { Tensor } from "../../src/graph/tensor.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { groupCount, groupLayout, groupLengths, readGroup, type WeightLayout } from "../../src/quant/group_layout.ts";
import { quantize } from "../../src/quant/quantize.ts";
import { weightLayoutOf } from "../../src/quant/weight_layout_of.ts";

/** A tensor whose element i holds i, so a group read out of it lists original offsets. */
function indexTensor(dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return new Tensor("float32", Float32Array.from({ length: n }, (_, i) => i), dims);
}

/** Every group of a layout as lists of original offsets, in group order. */
function groupsOf(dims: number[], layout: WeightLayout, block: number): number[][] {
  const g = groupLayout(dims, layout, block);
  const src = indexTensor(dims).data as Float32Array;
  const buf = new Float64Array(g.blockRows * g.inner);
  const out: number[][] = [];
  for (let c = 0; c < g.channels; c++) {
    for (let b = 0; b < g.blocksPerChannel; b++) out.push([...buf.subarray(0, readGroup(g, src, c, b, buf))]);
  }
  return out;
}

/** Reference: splits each channel's offsets (listed in reduction order) into blocks of `block` rows × `inner`. */
function blocks(channels: number[][], rows: number, inner: number, block: number): number[][] {
  const out: number[][] = [];
  const per = block === 0 ? rows : block;
  for (const ch of channels) {
    for (let r = 0; r < rows; r += per) out.push(ch.slice(r * inner, Math.min(rows, r + per) * inner));
  }
  return out;
}

describe("groupLayout", () => {
  test("conv [O, I, kh, kw]: a block is `block` input channels × kh × kw contiguous weights, ragged at the end", () => {
    const [o, i, k] = [3, 5, 4]; // kernel 2×2
    const channels = Array.from({ length: o }, (_, c) => Array.from({ length: i * k }, (_, j) => c * i * k + j));
    expect(groupsOf([o, i, 2, 2], { kind: "conv" }, 2)).toEqual(blocks(channels, i, k, 2));
    expect(groupsOf([o, i, 2, 2], { kind: "conv" }, 2).map((g) => g.length)).toEqual([8, 8, 4, 8, 8, 4, 8, 8, 4]);
    expect(groupsOf([o, i, 2, 2], { kind: "conv" }, 0)).toEqual(channels);
    expect(groupsOf([o, i, 2, 2], { kind: "conv" }, 64)).toEqual(channels); // block larger than the reduction
  });

  test("conv_transpose [I, O/g, kh, kw]: the output channel is axis 1 within each of the g groups", () => {
    const [inputs, outPerGroup, group, k] = [4, 3, 2, 4];
    const rows = inputs / group;
    const channels: number[][] = [];
    for (let gi = 0; gi < group; gi++) {
      for (let oc = 0; oc < outPerGroup; oc++) {
        const offsets: number[] = [];
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < k; j++) offsets.push(((gi * rows + r) * outPerGroup + oc) * k + j);
        }
        channels.push(offsets);
      }
    }
    const layout = { kind: "conv_transpose", group } as const;
    expect(groupsOf([inputs, outPerGroup, 2, 2], layout, 0)).toEqual(channels);
    expect(groupsOf([inputs, outPerGroup, 2, 2], layout, 1)).toEqual(blocks(channels, rows, k, 1));
    expect(groupLayout([inputs, outPerGroup, 2, 2], layout).channels).toBe(6);
    expect(() => groupLayout([5, 3, 2, 2], layout)).toThrow(/group 2 does not divide 5 input channels/);
  });

  test("matmul_kn [K, N] reduces over axis 0 (strided); matmul_nk [N, K], rnn and gather over the last axis", () => {
    const [k, n] = [5, 3];
    const kn = Array.from({ length: n }, (_, c) => Array.from({ length: k }, (_, r) => r * n + c));
    expect(groupsOf([k, n], { kind: "matmul_kn" }, 2)).toEqual(blocks(kn, k, 1, 2));
    const nk = Array.from({ length: n }, (_, c) => Array.from({ length: k }, (_, r) => c * k + r));
    expect(groupsOf([n, k], { kind: "matmul_nk" }, 2)).toEqual(blocks(nk, k, 1, 2));
    // Batched [B, K, N]: each batch's columns are channels of their own.
    const batched = groupsOf([2, k, n], { kind: "matmul_kn" }, 0);
    expect(batched.length).toBe(6);
    expect(batched[4]).toEqual(Array.from({ length: k }, (_, r) => k * n + r * n + 1));
    // LSTM W [dirs, 4H, I] and a Gather table [vocab, dim]: rows of the last axis.
    expect(groupsOf([2, 8, 5], { kind: "rnn" }, 0)).toEqual(
      Array.from({ length: 16 }, (_, c) => Array.from({ length: 5 }, (_, r) => c * 5 + r)),
    );
    expect(groupsOf([10, 4], { kind: "gather" }, 3).length).toBe(20);
    expect(groupLengths(groupLayout([10, 4], { kind: "gather" }, 3)).slice(0, 2)).toEqual(new Int32Array([3, 1]));
  });

  test("bad block sizes and ranks are RangeErrors", () => {
    expect(() => groupLayout([4, 4], { kind: "matmul_nk" }, -1)).toThrow(/non-negative integer/);
    expect(() => groupLayout([4, 4], { kind: "matmul_nk" }, 1.5)).toThrow(RangeError);
    expect(() => groupLayout([4], { kind: "conv" })).toThrow(/at least 2 dims/);
    expect(groupCount(groupLayout([64, 32, 3, 3], { kind: "conv" }, 32))).toBe(64);
  });
});

describe("quantize and dequantize in every layout", () => {
  const cases: [string, number[], WeightLayout, number][] = [
    ["conv, ragged blocks", [6, 5, 3, 3], { kind: "conv" }, 2],
    ["depthwise conv", [8, 1, 3, 3], { kind: "conv" }, 32],
    ["conv_transpose, 2 groups", [6, 4, 2, 2], { kind: "conv_transpose", group: 2 }, 2],
    ["matmul_kn, ragged", [37, 5], { kind: "matmul_kn" }, 16],
    ["matmul_nk", [5, 37], { kind: "matmul_nk" }, 16],
    ["rnn", [2, 12, 7], { kind: "rnn" }, 4],
    ["gather", [9, 6], { kind: "gather" }, 0],
  ];
  for (const [label, dims, layout, block] of cases) {
    test(`${label}: group g holds multiples of g + 1 (absmax 127·(g + 1)) and gets scale g + 1, exactly`, () => {
      // Build the tensor group by group from the reference offsets, so a layout bug mixes the groups.
      const groups = groupsOf(dims, layout, block);
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      groups.forEach((offsets, gi) => {
        offsets.forEach((offset, j) => data[offset] = (((gi * 7 + j * 13) % 255) - 127) * (gi + 1));
        data[offsets[0]!] = (gi % 2 ? 127 : -127) * (gi + 1);
      });
      const w = new Tensor("float32", data, dims);
      const q = quantize(w, layout, { bits: 8, blockSize: block, symmetric: true });
      expect([...q.scales]).toEqual(groups.map((_, gi) => gi + 1));
      expect(q.zeros).toBeUndefined();
      const r = dequantize(q);
      expect(r.dims).toEqual(dims);
      expect([...(r.data as Float32Array)]).toEqual([...data]);
      // Group-aligned packing stores the same codes.
      const aligned = quantize(w, layout, { bits: 3, blockSize: block, packing: "group" });
      const continuous = quantize(w, layout, { bits: 3, blockSize: block });
      expect([...(dequantize(aligned).data as Float32Array)]).toEqual([
        ...(dequantize(continuous).data as Float32Array),
      ]);
    });
  }
});

describe("weightLayoutOf", () => {
  const node = (op: string, attributes: Record<string, number> = {}) => ({
    name: "n",
    op,
    domain: "",
    inputs: ["a", "b", "c"],
    outputs: ["y"],
    attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { kind: "int" as const, value: v }])),
  });
  test("maps each quantizable operand to its layout and everything else to undefined", () => {
    expect(weightLayoutOf(node("Conv"), 1)).toEqual({ kind: "conv" });
    expect(weightLayoutOf(node("Conv"), 2)).toBeUndefined(); // bias stays float
    expect(weightLayoutOf(node("ConvTranspose", { group: 4 }), 1)).toEqual({ kind: "conv_transpose", group: 4 });
    expect(weightLayoutOf(node("Gemm"), 1)).toEqual({ kind: "matmul_kn" });
    expect(weightLayoutOf(node("Gemm", { transB: 1 }), 1)).toEqual({ kind: "matmul_nk" });
    expect(weightLayoutOf(node("Gemm", { transA: 1 }), 0)).toEqual({ kind: "matmul_kn" });
    expect(weightLayoutOf(node("MatMul"), 1)).toEqual({ kind: "matmul_kn" });
    expect(weightLayoutOf(node("MatMul"), 0)).toEqual({ kind: "matmul_nk" });
    expect(weightLayoutOf(node("LSTM"), 2)).toEqual({ kind: "rnn" });
    expect(weightLayoutOf(node("GRU"), 3)).toBeUndefined();
    expect(weightLayoutOf(node("Gather"), 0)).toEqual({ kind: "gather" });
    expect(weightLayoutOf(node("Gather", { axis: 1 }), 0)).toBeUndefined();
    expect(weightLayoutOf(node("Relu"), 0)).toBeUndefined();
  });
});
