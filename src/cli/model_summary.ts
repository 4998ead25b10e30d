/**
 * What `bitloop info` reports about a model, as plain JSON-ready data: its interface, opsets,
 * parameters, operator histogram, unsupported operators, the storage of every constant tensor, and its
 * compressed weights layer by layer (`compressed_layers.ts`).
 * @module
 */
import type { Dim, Graph, Model, ValueInfo } from "../graph/graph.ts";
import { dtypeBytes } from "../graph/dtype.ts";
import type { Tensor } from "../graph/tensor.ts";
import { storageBits } from "../quant/metrics.ts";
import { OPS } from "../runtime/registry.ts";
import { type CompressedLayer, compressedLayers } from "./compressed_layers.ts";

// Ops the session resolves while loading (Constant nodes become initializers), not kernels.
const LOAD_TIME_OPS = new Set(["Constant"]);

/** A graph input or output. */
export interface ValueSummary {
  /** Value name. */
  name: string;
  /** Element type, or `null` when the file does not say. */
  dtype: string | null;
  /** Shape with symbolic dims as strings and unknown dims as `null`; `null` when the file does not say. */
  shape: Dim[] | null;
}

/** One stored constant tensor (initializer, or the value of a `Constant` node). */
export interface TensorSummary {
  /** Value name. */
  name: string;
  /** Element type; `q<bits>` (e.g. `"q4"`) for a quantized weight. */
  dtype: string;
  /** Shape. */
  dims: number[];
  /** Bytes its elements take (UTF-8 bytes for strings; codes, scales and zero points when quantized). */
  bytes: number;
}

/** Everything `bitloop info` prints. */
export interface ModelSummary {
  /** File format, when known (`"onnx"`, `"bitloop"`). */
  format: string | null;
  /** Size of the model file in bytes, when known. */
  fileBytes: number | null;
  /** Tool that wrote the source model. */
  producer: { name: string; version: string };
  /** ONNX IR version of the source. */
  irVersion: number;
  /** Opset version by domain (`""` is the default ONNX domain). */
  opsets: Record<string, number>;
  /** Graph inputs. */
  inputs: ValueSummary[];
  /** Graph outputs. */
  outputs: ValueSummary[];
  /** Totals over every stored tensor. */
  parameters: { count: number; bytes: number; tensors: number };
  /** Node count, subgraphs included. */
  nodes: number;
  /** Node count per op type (`domain::Op` outside the default domain), most frequent first. */
  ops: Record<string, number>;
  /** Op types bitloop's runtime cannot run, sorted. */
  unsupportedOps: string[];
  /** Every stored tensor, largest first. */
  tensors: TensorSummary[];
  /** The compressed (quantized or FP16-stored) weights, in graph order; empty for a plain model. */
  compressed: CompressedLayer[];
  /** Free key/value metadata of the model. */
  metadata: Record<string, string>;
}

/** Options for {@link summarizeModel}. */
export interface SummarizeOptions {
  /** File format to report. @default null */
  format?: string;
  /** File size to report, in bytes. @default null */
  fileBytes?: number;
}

/**
 * Summarizes `model`, walking subgraphs (If/Loop bodies) too.
 *
 * @example
 * ```ts
 * const summary = summarizeModel(await loadModel("model.onnx"));
 * console.log(summary.parameters.count, Object.keys(summary.ops));
 * ```
 */
export function summarizeModel(model: Model, options: SummarizeOptions = {}): ModelSummary {
  const tensors: TensorSummary[] = [];
  const histogram = new Map<string, number>();
  const unsupported = new Set<string>();
  let nodes = 0;
  const visit = (graph: Graph): void => {
    for (const [name, t] of graph.initializers) tensors.push(tensorSummary(name, t));
    for (const [name, q] of graph.quantized ?? []) {
      tensors.push({ name, dtype: `q${q.bits}`, dims: [...q.dims], bytes: Math.ceil(storageBits(q).total / 8) });
    }
    for (const node of graph.nodes) {
      nodes++;
      const key = node.domain && node.domain !== "ai.onnx" ? `${node.domain}::${node.op}` : node.op;
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
      if (key !== node.op || !(OPS.has(node.op) || LOAD_TIME_OPS.has(node.op))) unsupported.add(key);
      for (const [attrName, attr] of Object.entries(node.attributes)) {
        if (attr.kind === "graph") visit(attr.value);
        else if (attr.kind === "tensor" && node.op === "Constant" && attrName === "value") {
          tensors.push(tensorSummary(node.outputs[0] ?? node.name, attr.value));
        }
      }
    }
  };
  visit(model.graph);
  tensors.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  const ops = [...histogram].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return {
    format: options.format ?? null,
    fileBytes: options.fileBytes ?? null,
    producer: { ...model.producer },
    irVersion: model.irVersion,
    opsets: { ...model.opsets },
    inputs: model.graph.inputs.map(valueSummary),
    outputs: model.graph.outputs.map(valueSummary),
    parameters: {
      count: tensors.reduce((n, t) => n + t.dims.reduce((a, d) => a * d, 1), 0),
      bytes: tensors.reduce((n, t) => n + t.bytes, 0),
      tensors: tensors.length,
    },
    nodes,
    ops: Object.fromEntries(ops),
    unsupportedOps: [...unsupported].sort(),
    tensors,
    compressed: compressedLayers(model),
    metadata: { ...model.metadata },
  };
}

function valueSummary(v: ValueInfo): ValueSummary {
  return { name: v.name, dtype: v.dtype ?? null, shape: v.shape ? [...v.shape] : null };
}

function tensorSummary(name: string, t: Tensor): TensorSummary {
  const bytes = t.type === "string"
    ? (t.data as string[]).reduce((n, s) => n + new TextEncoder().encode(s).length, 0)
    : t.size * dtypeBytes(t.type);
  return { name, dtype: t.type, dims: [...t.dims], bytes };
}
