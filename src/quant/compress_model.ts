/**
 * Whole-model weight compression: every quantizable weight of a model — Conv and ConvTranspose
 * (depthwise included), Gemm, MatMul with a constant operand, LSTM/GRU/RNN `W` and `R`, Gather tables —
 * quantized to 2–8 bit codes (`Graph.quantized`, in place of the float initializer) or stored as FP16,
 * with a per-layer report. Biases, normalization parameters and other constants stay float32, and so
 * do weights below a size threshold.
 *
 * FP16 storage keeps the IR plain ONNX: the weight becomes a float16 initializer `<name>__fp16` and a
 * `Cast(to = FLOAT)` node at the top of its graph produces `<name>` from it, so every reader is
 * unchanged, onnxruntime runs the exported graph, and the session folds the Cast away at load.
 *
 * A weight read by several nodes is compressed once, when all its weight-slot readers split it into
 * the same groups (same layout up to the operand kind's name); otherwise it stays float, with a note.
 * Give `compressModel` a model that went through `prepareForCompression` (`src/runtime/`), so the
 * weights it quantizes are the ones the runtime multiplies by (Constant nodes and BatchNormalization
 * folded).
 * @module
 */
import { dtypeBytes } from "../graph/dtype.ts";
import { copyModel } from "../graph/copy_graph.ts";
import type { Graph, Model } from "../graph/graph.ts";
import { type GroupLayout, groupLayout, type WeightLayout } from "../graph/group_layout.ts";
import type { QuantAlgorithm, QuantizedTensor } from "../graph/quantized_tensor.ts";
import type { Tensor } from "../graph/tensor.ts";
import { type LayerRule, resolveLayerRule } from "./compression_policy.ts";
import { type CompressReport, compressTotals, type LayerReport } from "./compress_report.ts";
import { dequantize } from "./dequantize.ts";
import { fromFloat16, toFloat16 } from "./fp16.ts";
import { reconstructionError, storageBits } from "./metrics.ts";
import { paramStorage } from "./param_storage.ts";
import { quantize } from "./quantize.ts";
import type { BalanceOptions } from "./balanced_rounding.ts";
import { correctConvBiases } from "./bias_correction.ts";
import { channelStatisticsOf } from "./channel_statistics.ts";
import { expectedInputMeans } from "./expected_input_means.ts";
import { findWeights, readerLabels, type WeightCandidate } from "./_weight_uses.ts";
import type { InputMoments } from "./input_moments.ts";
import { estimateInputMoments } from "./estimate_input_moments.ts";
import { ACTIVATION_AWARE_MAX_BITS, type CompressOptions } from "./compress_options.ts";

export { ACTIVATION_AWARE_MAX_BITS, type CompressOptions };

/** The balanced-rounding weights compressModel uses by default (measured on the zoo, see BENCHMARKS.md). */
const DEFAULT_BALANCE: BalanceOptions = { window: 4, mean: 4 };
/** The balanced-rounding weights with known input moments: the mean term at its exact weight. */
const MOMENT_BALANCE: BalanceOptions = { window: 4, mean: 1 };
/** The compressed model and its report. */
export interface CompressResult {
  /** A new model; the input is left as it was. */
  model: Model;
  /** Per-layer report. */
  report: CompressReport;
}

interface Settings {
  bits: number;
  blockSize: number;
  symmetric: boolean;
  algorithm: QuantAlgorithm;
  fp16: boolean;
}

function checkOptions(o: CompressOptions): void {
  const bits = o.bits ?? 8;
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    throw new RangeError(`bits must be an integer from 2 to 8, got ${bits}`);
  }
  const block = o.blockSize ?? 0;
  if (!Number.isSafeInteger(block) || block < 0) {
    throw new RangeError(`Block size must be a whole number (0 = per channel), got ${block}`);
  }
  const minSize = o.minSize ?? 1024;
  if (!Number.isSafeInteger(minSize) || minSize < 0) {
    throw new RangeError(`The minimum size must be a whole number of elements, got ${minSize}`);
  }
  const smallSize = o.smallSize ?? 0, smallBits = o.smallBits ?? 8;
  if (!Number.isSafeInteger(smallSize) || smallSize < 0) {
    throw new RangeError(`The small-weight size must be a whole number of elements, got ${smallSize}`);
  }
  if (!Number.isInteger(smallBits) || smallBits < 2 || smallBits > 8) {
    throw new RangeError(`smallBits must be an integer from 2 to 8, got ${smallBits}`);
  }
  if (o.algorithm !== undefined && !["minmax", "mse", "hqq"].includes(o.algorithm)) {
    throw new RangeError(`Unknown algorithm "${o.algorithm}" (expected minmax, mse or hqq)`);
  }
}

/**
 * Compresses the weights of `model` (prepared with `prepareForCompression`) as `options` and the
 * policy say. Returns a new model — `model` is not changed — and the per-layer report. Throws
 * `RangeError` for bad options.
 *
 * @example
 * ```ts
 * const model = await loadModel("model.onnx");
 * prepareForCompression(model);
 * const { model: small, report } = compressModel(model, { bits: 4, blockSize: 32 });
 * console.log(report.totals.quantized, "tensors,", report.totals.quantizedBitsPerWeight, "bits/weight");
 * await Deno.writeFile("model.bitloop", (await writeBitloop(small)).model);
 * ```
 */
export function compressModel(model: Model, options: CompressOptions = {}): CompressResult {
  checkOptions(options);
  const out = copyModel(model);
  // FP16 storage widens through Cast(to = FLOAT), whose `to` is an int from opset 6 on.
  const castable = (model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0) >= 6;
  const candidates = findWeights(out.graph);
  const minSize = options.minSize ?? 1024;
  const used = new Set<string>();
  const plans = candidates.map((c) => {
    const resolved = resolveLayerRule(options.policy, [c.name, ...readerLabels(c)]);
    resolved.patterns.forEach((p) => used.add(p));
    return { c, rule: resolved.rule, settings: settingsFor(options, resolved.rule, sizeOf(c)) };
  });
  const aware = (bits: number) => options.activationAware ?? bits <= ACTIVATION_AWARE_MAX_BITS;
  const estimate = plans.some((p) => !p.c.quantized && !p.rule.skip && aware(p.settings.bits));
  const moments = momentsFor(model, options, estimate);
  const work = plans.filter((p) => !p.c.quantized && !p.rule.skip).reduce((n, p) => n + sizeOf(p.c), 0);
  const layers: LayerReport[] = [];
  let done = 0;
  for (const { c, rule, settings } of plans) {
    const size = sizeOf(c);
    const m = aware(settings.bits) ? moments.get(c.name) : options.inputMoments?.get(c.name);
    const entry = compressOne(c, rule, settings, minSize, options, castable, m);
    if (entry) layers.push(entry);
    if (!c.quantized && !rule.skip) {
      done += size;
      options.onProgress?.(done, work, c.name);
    }
  }
  if (options.biasCorrection ?? false) {
    const statistics = options.statistics ?? channelStatisticsOf(model);
    const means = statistics.size > 0 ? expectedInputMeans(out.graph, statistics) : new Map();
    for (const [name, nodes] of correctConvBiases(out.graph, model.graph, means)) {
      const entry = layers.find((l) => l.name === name);
      const note = `bias corrected (data-free, −ΔW·E[x]) in ${nodes.length} reader(s)`;
      if (entry) entry.note = entry.note ? `${entry.note}; ${note}` : note;
    }
  }
  const unusedPatterns = (options.policy?.rules ?? []).map((r) => r.pattern).filter((p) => !used.has(p));
  return { model: out, report: { layers, totals: compressTotals(layers), unusedPatterns } };
}

/** The input moments to weight each weight's error with: the given ones over the estimate (when wanted). */
function momentsFor(model: Model, o: CompressOptions, estimated: boolean): ReadonlyMap<string, InputMoments> {
  if (!estimated) return o.inputMoments ?? new Map();
  const statistics = o.statistics ?? channelStatisticsOf(model);
  const estimate = estimateInputMoments(model.graph, statistics, o.momentEstimate);
  for (const [name, m] of o.inputMoments ?? []) estimate.set(name, m);
  return estimate;
}

function settingsFor(o: CompressOptions, rule: LayerRule, size: number): Settings {
  const bits = o.bits ?? 8;
  const small = size < (o.smallSize ?? 0) && size >= (o.minSize ?? 1024);
  return {
    bits: rule.bits ?? (small ? Math.max(bits, o.smallBits ?? 8) : bits),
    blockSize: rule.blockSize ?? o.blockSize ?? 0,
    symmetric: rule.symmetric ?? o.symmetric ?? false,
    algorithm: rule.algorithm ?? o.algorithm ?? "hqq",
    fp16: rule.fp16 ?? (rule.bits === undefined && (o.fp16 ?? false)),
  };
}

function sizeOf(c: WeightCandidate): number {
  const t = c.owner.initializers.get(c.name);
  return t ? t.size : c.owner.quantized.get(c.name)!.dims.reduce((a, b) => a * b, 1);
}

function compressOne(
  c: WeightCandidate,
  rule: LayerRule,
  s: Settings,
  minSize: number,
  o: CompressOptions,
  castable: boolean,
  moments: InputMoments | undefined,
): LayerReport | undefined {
  const nodes = readerLabels(c);
  const ops = [...new Set(c.uses.filter((u) => u.layout).map((u) => u.node.op))].join("+");
  const q = c.owner.quantized.get(c.name);
  if (q) {
    const bytes = Math.ceil(storageBits(q).total / 8);
    return {
      ...base(c.name, nodes, ops, q.dims, bytes),
      storage: "quantized",
      bits: q.bits,
      blockSize: q.blockSize,
      symmetric: q.symmetric,
      algorithm: q.algorithm,
      sqnr: q.sqnr ?? null,
      note: "already quantized; left as it was",
    };
  }
  const t = c.owner.initializers.get(c.name)!;
  if ((t.type !== "float32" && t.type !== "float16") || t.dims.length < 2) return undefined;
  const bytesBefore = t.size * dtypeBytes(t.type);
  const kept = (note: string): LayerReport => ({ ...base(c.name, nodes, ops, t.dims, bytesBefore), note });
  if (rule.skip) return kept("skipped by the policy");
  const explicit = rule.bits !== undefined || rule.fp16 === true;
  if (t.size < minSize && !explicit) return kept(`below the minimum size of ${minSize} elements`);
  const notes = plainReadNotes(c);
  if (s.fp16 && !castable) return kept("FP16 storage needs opset 6 or later (Cast with an int `to`)");
  if (s.fp16) return storeFp16(c, t, nodes, ops, notes);
  const layouts = c.uses.flatMap((u) => (u.layout ? [u.layout] : []));
  let layout: WeightLayout;
  try {
    layout = commonLayout(t.dims, layouts, s.blockSize, nodes);
  } catch (error) {
    return kept((error as Error).message);
  }
  let quantized: QuantizedTensor;
  try {
    quantized = quantize(t, layout, {
      bits: s.bits,
      blockSize: s.blockSize,
      symmetric: s.symmetric,
      algorithm: s.algorithm,
      ...paramStorage(o, s.bits),
      rounding: o.rounding ?? (s.bits <= 4 ? "balanced" : "nearest"),
      balance: o.balance ?? (moments ? MOMENT_BALANCE : DEFAULT_BALANCE),
      magnitudeWeight: o.magnitudeWeight ?? 1,
      ...(o.hqq ? { hqq: o.hqq } : {}),
      ...(o.clipSearch ? { clipSearch: o.clipSearch } : {}),
      ...(moments ? { inputMoments: moments, momentExponent: o.activationAwareExponent ?? 0.5 } : {}),
      name: c.name,
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return kept(`not quantized: ${error.message}`);
  }
  const sqnr = roundDb(reconstructionError(floatValues(t), dequantize(quantized).data as Float32Array).sqnr);
  c.owner.initializers.delete(c.name);
  c.owner.quantized.set(c.name, { ...quantized, sqnr });
  return {
    ...base(c.name, nodes, ops, t.dims, bytesBefore),
    storage: "quantized",
    bits: s.bits,
    blockSize: s.blockSize,
    symmetric: s.symmetric,
    algorithm: s.algorithm,
    bytesAfter: Math.ceil(storageBits(quantized).total / 8),
    sqnr,
    ...(notes ? { note: notes } : {}),
  };
}

function base(name: string, nodes: string[], op: string, dims: readonly number[], bytes: number): LayerReport {
  return {
    name,
    nodes,
    op,
    dims: [...dims],
    storage: "float",
    bits: 32,
    blockSize: null,
    symmetric: null,
    algorithm: null,
    bytesBefore: bytes,
    bytesAfter: bytes,
    sqnr: null,
  };
}

/** A note when the weight is also read outside weight slots (those reads see the reconstruction). */
function plainReadNotes(c: WeightCandidate): string | undefined {
  const plain = [...new Set(c.uses.filter((u) => !u.layout).map((u) => `${u.node.op} input ${u.index}`))];
  if (c.isOutput) plain.push("a graph output");
  return plain.length > 0 ? `also read as a plain tensor (${plain.join(", ")})` : undefined;
}

/** The layout every weight-slot reader accepts, or a thrown Error saying why there is none. */
function commonLayout(dims: readonly number[], layouts: WeightLayout[], block: number, nodes: string[]): WeightLayout {
  const groups = layouts.map((l) => groupLayout(dims, l, block));
  const first = groups[0]!;
  const same = (g: GroupLayout) =>
    (Object.keys(first) as (keyof GroupLayout)[]).every((k) => k === "kind" || g[k] === first[k]);
  if (!groups.every(same)) {
    const kinds = layouts.map((l, i) => `${nodes[i] ?? "?"}: ${l.kind}`).join(", ");
    throw new RangeError(`kept float: its readers need different weight layouts (${kinds})`);
  }
  return layouts[0]!;
}

/**
 * SQNR rounded to 0.001 dB: `Math.log10` may differ in the last bit between JavaScript engines, and the
 * value is stored in the file, which must be the same bytes whichever runtime wrote it.
 */
function roundDb(db: number): number {
  return Number.isFinite(db) ? Math.round(db * 1000) / 1000 : db;
}

function floatValues(t: Tensor): Float32Array {
  return t.type === "float16" ? fromFloat16(t).data as Float32Array : t.data as Float32Array;
}

function freshName(graph: Graph, base: string): string {
  let name = `${base}__fp16`;
  for (let i = 2; graph.initializers.has(name) || graph.quantized.has(name); i++) name = `${base}__fp16_${i}`;
  return name;
}

function storeFp16(c: WeightCandidate, t: Tensor, nodes: string[], ops: string, note: string | undefined): LayerReport {
  const entry = base(c.name, nodes, ops, t.dims, t.size * dtypeBytes(t.type));
  if (t.type === "float16") return { ...entry, storage: "fp16", bits: 16, algorithm: "fp16", note: "already float16" };
  const half = toFloat16(t);
  const stored = freshName(c.owner, c.name);
  c.owner.initializers.delete(c.name);
  c.owner.initializers.set(stored, half);
  c.owner.nodes.unshift({
    name: `${stored}_cast`,
    op: "Cast",
    domain: "",
    inputs: [stored],
    outputs: [c.name],
    attributes: { to: { kind: "int", value: 1 } },
  });
  const sqnr = roundDb(reconstructionError(t.data as Float32Array, fromFloat16(half).data as Float32Array).sqnr);
  return {
    ...entry,
    storage: "fp16",
    bits: 16,
    algorithm: "fp16",
    bytesAfter: t.size * 2,
    sqnr,
    ...(note ? { note } : {}),
  };
}
