/**
 * The compressed weights of a model, layer by layer, as `bitloop info` shows them: each quantized
 * weight (`Graph.quantized`) with its bits, block size, grid, algorithm, stored bytes and the weight
 * SQNR recorded when it was compressed; and each FP16-stored weight (a float16 initializer read only by
 * a `Cast` to float32, as `compress --fp16` writes it).
 * @module
 */
import type { Graph, Model, Node } from "../graph/graph.ts";
import type { QuantizedTensor } from "../graph/quantized_tensor.ts";
import { storageBits } from "../quant/metrics.ts";

const SCALE_LABELS = { float32: "fp32", float16: "fp16", log8: "log8" } as const;
const ZERO_LABELS = { integer: "int", float: "float", fixed8: "fixed8" } as const;

function paramsLabel(q: QuantizedTensor): string {
  const scale = SCALE_LABELS[q.scaleDtype] ?? q.scaleDtype;
  return q.symmetric ? scale : `${scale}/${ZERO_LABELS[q.zeroPoint] ?? q.zeroPoint}`;
}

/** One compressed weight. */
export interface CompressedLayer {
  /** The weight's value name (for FP16, the name its Cast produces, which the layers read). */
  name: string;
  /** Op types of the nodes reading it, joined by `+` when they differ. */
  op: string;
  /** Shape. */
  dims: number[];
  /** `"quantized"` or `"fp16"`. */
  storage: "quantized" | "fp16";
  /** Bits per code (16 for FP16). */
  bits: number;
  /** Reduction rows per block (0 = per channel); null for FP16. */
  blockSize: number | null;
  /** Symmetric grid; null for FP16. */
  symmetric: boolean | null;
  /**
   * How scales and zero points are stored, e.g. `"log8/fixed8"` (compact 8-bit), `"fp16/int"`,
   * `"fp32/float"` (just the scale storage for symmetric grids); null for FP16.
   */
  params: string | null;
  /** Algorithm that fitted the scales, or `"fp16"`. */
  algorithm: string;
  /** Stored bytes: codes, scales and zero points. */
  bytes: number;
  /** Stored bits per weight, scales and zero points counted. */
  bitsPerWeight: number;
  /** Weight SQNR (dB) recorded at compress time; null when the file does not say. */
  sqnr: number | null;
}

/**
 * Every compressed weight of `model`, subgraphs included, in graph order.
 *
 * @example
 * ```ts
 * const layers = compressedLayers(await loadModel("model.bitloop"));
 * console.log(layers.map((l) => `${l.name}: ${l.bits} bits, ${l.sqnr?.toFixed(1)} dB`).join("\n"));
 * ```
 */
export function compressedLayers(model: Model): CompressedLayer[] {
  const readers = new Map<string, Node[]>();
  const graphs: Graph[] = [];
  const walk = (g: Graph): void => {
    graphs.push(g);
    for (const n of g.nodes) {
      for (const name of n.inputs) if (name) readers.set(name, [...(readers.get(name) ?? []), n]);
      for (const a of Object.values(n.attributes)) if (a.kind === "graph") walk(a.value);
    }
  };
  walk(model.graph);
  const opsOf = (name: string) => [...new Set((readers.get(name) ?? []).map((n) => n.op))].join("+") || "-";
  const layers: CompressedLayer[] = [];
  for (const g of graphs) {
    for (const [name, q] of g.quantized ?? []) {
      const s = storageBits(q);
      layers.push({
        name,
        op: opsOf(name),
        dims: [...q.dims],
        storage: "quantized",
        bits: q.bits,
        blockSize: q.blockSize,
        symmetric: q.symmetric,
        params: paramsLabel(q),
        algorithm: q.algorithm,
        bytes: Math.ceil(s.total / 8),
        bitsPerWeight: s.bitsPerWeight,
        sqnr: q.sqnr ?? null,
      });
    }
    for (const [name, t] of g.initializers) {
      if (t.type !== "float16") continue;
      const casts = readers.get(name) ?? [];
      const widened = casts.length > 0 &&
        casts.every((n) => n.op === "Cast" && n.attributes["to"]?.kind === "int" && n.attributes["to"].value === 1);
      if (!widened) continue;
      const out = casts[0]!.outputs[0] ?? name;
      layers.push({
        name: out,
        op: opsOf(out),
        dims: [...t.dims],
        storage: "fp16",
        bits: 16,
        blockSize: null,
        symmetric: null,
        params: null,
        algorithm: "fp16",
        bytes: t.size * 2,
        bitsPerWeight: 16,
        sqnr: null,
      });
    }
  }
  return layers;
}
