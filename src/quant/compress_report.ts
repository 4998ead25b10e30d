/**
 * The per-layer report of `compressModel`: what happened to each weight (quantized, stored as FP16 or
 * kept), its bits, block, algorithm, bytes before and after and weight SQNR, and the totals. Plain JSON
 * data (SQNR may be `Infinity` for an exact reconstruction), as `compress --report` writes it.
 * @module
 */
import type { QuantAlgorithm } from "../graph/quantized_tensor.ts";

/** What happened to one weight. */
export interface LayerReport {
  /** The weight's value name. */
  name: string;
  /** The nodes that read it. */
  nodes: string[];
  /** Their op types, joined by `+` when they differ. */
  op: string;
  /** Its shape. */
  dims: number[];
  /** `"quantized"`, `"fp16"`, or `"float"` (kept as it was). */
  storage: "quantized" | "fp16" | "float";
  /** Bits per code; 16 for FP16; the element width for a kept weight. */
  bits: number;
  /** Block size of quantized weights (0 = per channel), else null. */
  blockSize: number | null;
  /** Symmetric grid (quantized weights), else null. */
  symmetric: boolean | null;
  /** Fitting algorithm, `"fp16"`, or null for a kept weight. */
  algorithm: QuantAlgorithm | "fp16" | null;
  /** Bytes before. */
  bytesBefore: number;
  /** Bytes after: packed codes plus scales and zero points for quantized weights. */
  bytesAfter: number;
  /** Weight SQNR in dB, rounded to 0.001 dB (Infinity when exact), or null for a kept weight. */
  sqnr: number | null;
  /** Why a weight was kept, or what else to know. */
  note?: string;
}

/** Totals over the report. */
export interface CompressTotals {
  /** Weights (elements) of every reported tensor. */
  weights: number;
  /** Tensors quantized / stored as FP16 / kept. */
  quantized: number;
  fp16: number;
  float: number;
  /** Bytes of the reported tensors before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Stored bits per weight over the quantized tensors (scales and zero points counted). */
  quantizedBitsPerWeight: number;
}

/** Everything {@link compressModel} reports. */
export interface CompressReport {
  /** One entry per weight, in graph order. */
  layers: LayerReport[];
  /** Totals. */
  totals: CompressTotals;
  /** Policy patterns that matched no weight (likely typos). */
  unusedPatterns: string[];
}

/**
 * The totals of a list of layer reports.
 *
 * @example
 * ```ts
 * const t = compressTotals([]);
 * if (t.weights !== 0 || t.quantizedBitsPerWeight !== 0) throw new Error("empty");
 * ```
 */
export function compressTotals(layers: readonly LayerReport[]): CompressTotals {
  let weights = 0, bytesBefore = 0, bytesAfter = 0, qBits = 0, qWeights = 0;
  const count = { quantized: 0, fp16: 0, float: 0 };
  for (const l of layers) {
    const n = l.dims.reduce((a, b) => a * b, 1);
    weights += n;
    bytesBefore += l.bytesBefore;
    bytesAfter += l.bytesAfter;
    count[l.storage]++;
    if (l.storage === "quantized") {
      qBits += l.bytesAfter * 8;
      qWeights += n;
    }
  }
  return { weights, ...count, bytesBefore, bytesAfter, quantizedBitsPerWeight: qWeights > 0 ? qBits / qWeights : 0 };
}
