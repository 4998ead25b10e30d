/**
 * Data-free bias correction (Nagel et al. 2019, §4.2): quantizing a Conv's weight W to W + ΔW shifts
 * the expected output of channel o by Σ ΔW[o, c, ·]·E[x_c] over the input channels c its group reads
 * (edge effects of padding ignored). Subtracting that shift from the bias removes the systematic part
 * of the quantization error, which matters where errors meet inputs of one sign (after ReLU or
 * HardSwish every E[x_c] ≥ 0, so small per-weight errors add up over hundreds of inputs).
 * E[x] comes from `expected_input_means.ts`; the corrected bias is a new float32 initializer, so a
 * bias shared with another node is never changed under it.
 * @module
 */
import type { Graph, Node } from "../graph/graph.ts";
import { Tensor, toNumbers } from "../graph/tensor.ts";
import { dequantize } from "./dequantize.ts";

/**
 * The expected output shift per output channel of a Conv whose weight (OIHW-like: [O, C/group, ...])
 * changes from `weight` to `approx`, for inputs with per-channel means `inputMean` (C = `inputMean.length`).
 * Throws `RangeError` when the shapes do not fit together.
 *
 * @example
 * ```ts
 * // One output, two input channels of 1×1: ΔW = [0.1, -0.2], E[x] = [1, 2] → shift 0.1 − 0.4 = −0.3.
 * const shift = convBiasShift(Float32Array.of(1, 1), Float32Array.of(1.1, 0.8), [1, 2, 1, 1], 1, Float64Array.of(1, 2));
 * if (Math.abs(shift[0]! + 0.3) > 1e-6) throw new Error("ΔW·E[x]");
 * ```
 */
export function convBiasShift(
  weight: Float32Array,
  approx: Float32Array,
  dims: readonly number[],
  group: number,
  inputMean: Float64Array,
): Float64Array {
  const outChannels = dims[0]!, perGroup = dims[1]!;
  const taps = weight.length / (outChannels * perGroup);
  if (
    dims.length < 2 || approx.length !== weight.length || perGroup * group !== inputMean.length ||
    outChannels % group !== 0 || !Number.isInteger(taps)
  ) {
    throw new RangeError(
      `Cannot correct a Conv bias: weight [${dims.join(", ")}] in ${group} group(s) does not read ` +
        `${inputMean.length} input channels`,
    );
  }
  const outPerGroup = outChannels / group;
  const shift = new Float64Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const first = Math.floor(o / outPerGroup) * perGroup;
    let s = 0;
    for (let c = 0; c < perGroup; c++) {
      const mean = inputMean[first + c]!;
      if (mean === 0) continue;
      const at = (o * perGroup + c) * taps;
      let d = 0;
      for (let k = at; k < at + taps; k++) d += approx[k]! - weight[k]!;
      s += d * mean;
    }
    shift[o] = s;
  }
  return shift;
}

function freshName(graph: Graph, base: string): string {
  let name = `${base}_corrected`;
  for (let i = 2; graph.initializers.has(name) || graph.quantized.has(name); i++) name = `${base}_corrected_${i}`;
  return name;
}

/**
 * Corrects the bias of every Conv in `graph` that has an entry in `inputMeans` and reads a quantized
 * weight of `graph` whose float original is a float32 initializer of `original` (the graph before
 * compression, same value names). A Conv without a bias gets one. Returns the corrected Conv nodes by
 * weight name.
 */
export function correctConvBiases(
  graph: Graph,
  original: Graph,
  inputMeans: ReadonlyMap<Node, Float64Array>,
): Map<string, Node[]> {
  const corrected = new Map<string, Node[]>();
  const approxOf = new Map<string, Float32Array>();
  for (const [node, mean] of inputMeans) {
    const name = node.inputs[1] ?? "";
    const q = graph.quantized.get(name);
    const w = original.initializers.get(name);
    if (!q || !w || w.type !== "float32") continue;
    const biasName = node.inputs[2] ?? "";
    const bias = biasName ? graph.initializers.get(biasName) : undefined;
    if (biasName && (!bias || bias.type !== "float32")) continue;
    let approx = approxOf.get(name);
    if (!approx) approxOf.set(name, approx = dequantize(q).data as Float32Array);
    const group = node.attributes["group"]?.kind === "int" ? node.attributes["group"].value : 1;
    const shift = convBiasShift(w.data as Float32Array, approx, w.dims, group, mean);
    const before = bias ? toNumbers(bias) : new Array<number>(shift.length).fill(0);
    const after = new Float32Array(shift.length);
    for (let o = 0; o < shift.length; o++) after[o] = before[o]! - shift[o]!;
    const newName = freshName(graph, biasName || `${name}_bias`);
    graph.initializers.set(newName, new Tensor("float32", after, [shift.length]));
    node.inputs = [node.inputs[0]!, name, newName, ...node.inputs.slice(3)];
    if (biasName && !graph.nodes.some((n) => n.inputs.includes(biasName))) graph.initializers.delete(biasName);
    corrected.set(name, [...(corrected.get(name) ?? []), node]);
  }
  return corrected;
}
