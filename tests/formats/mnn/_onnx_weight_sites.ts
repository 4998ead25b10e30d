// The ONNX zoo model's counterparts of an MNN file's convolutions, folded the way MNNConvert folds them
// (DESIGN.md §6), so their weights can be compared with MNN's and MNN's weights substituted into the model:
// - Conv (+ BatchNormalization: foldBatchNorm), named after the Conv's original output, as MNN names it;
// - ConvTranspose + Add(constant bias) (+ BatchNormalization), named after the Add's output; MNN keeps the
//   ONNX weight layout [ic, oc/g, kh, kw];
// - MatMul(x, constant [K, N]) + Add(constant [N]), which MNN turns into a 1×1 convolution with weight
//   [N, K, 1, 1], named `<Add output>__matmul_converted`.
import type { Graph, Model, Node } from "../../../src/graph/graph.ts";
import { foldBatchNorm } from "../../../src/graph/passes/fold_batch_norm.ts";
import { foldConstantNodes } from "../../../src/graph/passes/fold_constant_nodes.ts";
import { Tensor, toNumbers } from "../../../src/graph/tensor.ts";
import { loadModel } from "../../../src/formats/load.ts";
import type { MnnNet, MnnOp } from "../../../src/formats/mnn/mod.ts";
import { foldConstants } from "../../../src/runtime/fold_constants.ts";
import { zooPath } from "../../zoo/zoo.ts";

/** One weight-carrying ONNX node in MNN's layout. */
export interface WeightSite {
  /** The MNN op name it corresponds to. */
  name: string;
  kind: "Conv" | "ConvTranspose" | "MatMul";
  /** Weights in MNN's layout (a copy). */
  weight: Float32Array;
  /** Their MNN shape. */
  dims: number[];
  bias: Float32Array | undefined;
  /** Puts `weight` (MNN layout) and `bias` into the model in place of this site's. */
  substitute(weight: Float32Array, bias: Float32Array | undefined): void;
}

function f32(t: Tensor | undefined, what: string): Float32Array {
  if (!t || t.type !== "float32") throw new Error(`${what} is not a float32 constant`);
  return t.data as Float32Array;
}

let fresh = 0;
function setConstant(graph: Graph, node: Node, input: number, tensor: Tensor): void {
  const name = `mnn_substitute_${fresh++}`;
  graph.initializers.set(name, tensor);
  while (node.inputs.length <= input) node.inputs.push("");
  node.inputs[input] = name;
}

function readersOf(graph: Graph, value: string): Node[] {
  return graph.nodes.filter((n) => n.inputs.includes(value));
}

function inferenceBatchNorm(graph: Graph, value: string): Node | undefined {
  const readers = readersOf(graph, value);
  const bn = readers[0];
  if (readers.length !== 1 || bn?.op !== "BatchNormalization") return undefined;
  return bn.inputs.slice(1, 5).every((n) => graph.initializers.has(n)) ? bn : undefined;
}

/** Folds ConvTranspose + Add(bias) (+ BatchNormalization) into one ConvTranspose with a bias, in float64. */
function foldConvTranspose(graph: Graph, ct: Node): WeightSite | undefined {
  const w = graph.initializers.get(ct.inputs[1] ?? "");
  const readers = readersOf(graph, ct.outputs[0]!);
  const add = readers[0];
  if (!w || ct.inputs[2] || readers.length !== 1 || add?.op !== "Add") return undefined;
  const biasInput = add.inputs.find((n) => n !== ct.outputs[0] && graph.initializers.has(n));
  if (!biasInput) return undefined;
  const [ic, ocg, kh, kw] = w.dims as [number, number, number, number];
  const group = ct.attributes["group"]?.kind === "int" ? ct.attributes["group"].value : 1;
  if (group !== 1) throw new Error(`ConvTranspose "${ct.name}" has group ${group}: not handled`);
  const b = toNumbers(graph.initializers.get(biasInput)!);
  const scale = new Array<number>(ocg).fill(1), shift = new Array<number>(ocg).fill(0);
  const bn = inferenceBatchNorm(graph, add.outputs[0]!);
  if (bn) {
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => toNumbers(graph.initializers.get(n)!));
    const eps = bn.attributes["epsilon"]?.kind === "float" ? bn.attributes["epsilon"].value : 1e-5;
    for (let o = 0; o < ocg; o++) {
      scale[o] = gamma![o]! / Math.sqrt(variance![o]! + eps);
      shift[o] = beta![o]! - mean![o]! * scale[o]!;
    }
  }
  const wd = f32(w, ct.inputs[1]!);
  const weight = new Float32Array(wd.length);
  for (let i = 0; i < ic; i++) {
    for (let o = 0; o < ocg; o++) {
      for (let k = (i * ocg + o) * kh * kw, end = k + kh * kw; k < end; k++) weight[k] = wd[k]! * scale[o]!;
    }
  }
  const bias = Float32Array.from({ length: ocg }, (_, o) => b[o]! * scale[o]! + shift[o]!);
  const name = add.outputs[0]!;
  setConstant(graph, ct, 1, new Tensor("float32", weight, w.dims));
  setConstant(graph, ct, 2, new Tensor("float32", bias, [ocg]));
  ct.outputs = [(bn ?? add).outputs[0]!];
  graph.nodes = graph.nodes.filter((n) => n !== add && n !== bn);
  return {
    name,
    kind: "ConvTranspose",
    weight: weight.slice(),
    dims: [ic, ocg, kh, kw],
    bias: bias.slice(),
    substitute: (wNew, bNew) => {
      setConstant(graph, ct, 1, new Tensor("float32", wNew, w.dims));
      if (bNew) setConstant(graph, ct, 2, new Tensor("float32", bNew, [ocg]));
    },
  };
}

/** MatMul(x, B[K, N]) + Add(bias[N]) as MNN's 1×1 convolution. */
function matMulSite(graph: Graph, mm: Node): WeightSite | undefined {
  const bInit = graph.initializers.get(mm.inputs[1] ?? "");
  const readers = readersOf(graph, mm.outputs[0]!);
  const add = readers[0];
  if (!bInit || bInit.dims.length !== 2 || readers.length !== 1 || add?.op !== "Add") return undefined;
  const biasAt = add.inputs.findIndex((n) => n !== mm.outputs[0] && graph.initializers.has(n));
  if (biasAt < 0) return undefined;
  const [k, n] = bInit.dims as [number, number];
  const bd = f32(bInit, mm.inputs[1]!);
  const weight = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) weight[j * k + i] = bd[i * n + j]!;
  const biasTensor = graph.initializers.get(add.inputs[biasAt]!)!;
  return {
    name: add.outputs[0]!,
    kind: "MatMul",
    weight,
    dims: [n, k, 1, 1],
    bias: Float32Array.from(toNumbers(biasTensor)),
    substitute: (wNew, bNew) => {
      const b = new Float32Array(k * n);
      for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) b[i * n + j] = wNew[j * k + i]!;
      setConstant(graph, mm, 1, new Tensor("float32", b, [k, n]));
      if (bNew) setConstant(graph, add, biasAt, new Tensor("float32", bNew, biasTensor.dims));
    },
  };
}

function convSite(graph: Graph, conv: Node, name: string): WeightSite {
  const w = graph.initializers.get(conv.inputs[1] ?? "");
  const b = conv.inputs[2] ? graph.initializers.get(conv.inputs[2]) : undefined;
  return {
    name,
    kind: "Conv",
    weight: f32(w, `Conv "${conv.name}" weight`).slice(),
    dims: [...w!.dims],
    bias: b ? f32(b, `Conv "${conv.name}" bias`).slice() : undefined,
    substitute: (wNew, bNew) => {
      setConstant(graph, conv, 1, new Tensor("float32", wNew, w!.dims));
      if (bNew) setConstant(graph, conv, 2, new Tensor("float32", bNew, [bNew.length]));
    },
  };
}

/**
 * Loads a zoo ONNX model, folds it as MNNConvert does (constants, Conv+BN, ConvTranspose+Add+BN) and
 * returns its weight sites in graph order.
 */
export async function onnxWeightSites(zoo: string): Promise<{ model: Model; sites: WeightSite[] }> {
  const model = await loadModel(zooPath(zoo));
  const graph = model.graph;
  foldConstantNodes(graph);
  foldConstants(model);
  const convNames = new Map<Node, string>();
  for (const node of graph.nodes) if (node.op === "Conv") convNames.set(node, node.outputs[0]!);
  foldBatchNorm(graph);
  const sites: WeightSite[] = [];
  for (const node of [...graph.nodes]) {
    if (node.op === "Conv") sites.push(convSite(graph, node, convNames.get(node)!));
    if (node.op === "ConvTranspose") {
      const site = foldConvTranspose(graph, node);
      if (site) sites.push(site);
    }
    if (node.op === "MatMul") {
      const site = matMulSite(graph, node);
      if (site) sites.push(site);
    }
  }
  return { model, sites };
}

/** How MNN ops were paired with weight sites. */
export interface SiteMatch {
  pairs: { op: MnnOp; site: WeightSite }[];
  byName: number;
  byOrder: number;
}

const MATMUL_SUFFIX = "__matmul_converted";

/**
 * Pairs every MNN op that has decoded weights with a site: by name (MNN's `__matmul_converted` suffix
 * dropped), then the rest by order among the unmatched, requiring equal weight shapes. Throws when an
 * op finds no site.
 */
export function matchSites(net: MnnNet, sites: WeightSite[]): SiteMatch {
  const byNameMap = new Map(sites.map((s) => [s.name, s]));
  const used = new Set<WeightSite>();
  const pairs: SiteMatch["pairs"] = [];
  const rest: MnnOp[] = [];
  for (const op of net.ops.filter((o) => o.convolution?.weight)) {
    const site = byNameMap.get(op.name.endsWith(MATMUL_SUFFIX) ? op.name.slice(0, -MATMUL_SUFFIX.length) : op.name);
    if (site && !used.has(site)) {
      used.add(site);
      pairs.push({ op, site });
    } else {
      rest.push(op);
    }
  }
  const byName = pairs.length;
  const free = sites.filter((s) => !used.has(s));
  for (const op of rest) {
    const at = free.findIndex((s) => s.dims.join() === op.convolution!.weightDims!.join());
    if (at < 0) throw new Error(`MNN op "${op.name}" [${op.convolution!.weightDims}] has no ONNX counterpart`);
    pairs.push({ op, site: free.splice(at, 1)[0]! });
  }
  return { pairs, byName, byOrder: pairs.length - byName };
}
