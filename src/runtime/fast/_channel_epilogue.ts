// Per-channel epilogue fusion for producers of NCHW outputs that cannot take the scalar-only epilogue
// of `_fusion.ts` (ConvTranspose): a chain of `Add`/`Mul` by a constant per-channel (`[1, C, 1, 1]`,
// `[C, 1, 1]`) or scalar tensor and inference-mode `BatchNormalization` with constant parameters,
// folded into one `y · scale[c] + shift[c]`, then an optional activation. Each absorbed node passes its
// input through (the producer computed the result).
import type { Graph, Node } from "../../graph/graph.ts";
import type { Activation } from "../../kernels/activation.ts";
import { Attrs } from "../op.ts";
import { type Absorbed, fusableActivation } from "./_fusion.ts";
import type { ConstantLookup } from "./f32_fast_ops.ts";

/** `act(y · scale[c] + shift[c])` after a producer, and the nodes that computed it. */
export interface ChannelEpilogue {
  scale: Float64Array;
  shift: Float64Array;
  activation: Activation;
  absorbed: Absorbed[];
}

/** A float32 constant holding one value per channel of a `[N, C, H, W]` tensor (or one scalar), as `C` values. */
function perChannel(constants: ConstantLookup, name: string | undefined, channels: number): Float64Array | undefined {
  const t = name ? constants(name) : undefined;
  if (!t || t.type !== "float32") return undefined;
  const data = t.data as Float32Array;
  if (data.length === 1 && t.dims.length <= 4) return new Float64Array(channels).fill(data[0]!);
  const d = t.dims;
  if (data.length !== channels || d.length < 3 || d.length > 4 || d[d.length - 3] !== channels) return undefined;
  return Float64Array.from(data);
}

/** The per-channel epilogue after `producer`'s only output, whose NCHW result has `channels` channels. */
export function channelEpilogueAfter(
  graph: Graph,
  constants: ConstantLookup,
  producer: Node,
  readers: ReadonlyMap<string, Node[]>,
  channels: number,
): ChannelEpilogue {
  const out: ChannelEpilogue = {
    scale: new Float64Array(channels).fill(1),
    shift: new Float64Array(channels),
    activation: "none",
    absorbed: [],
  };
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const only = (name: string | undefined): Node | undefined => {
    if (!name || outputs.has(name)) return undefined;
    const list = readers.get(name);
    const node = list?.length === 1 ? list[0]! : undefined;
    if (!node || node.outputs.length !== 1 || node.inputs.filter((i) => i === name).length !== 1) return undefined;
    return node;
  };
  let value = producer.outputs.length === 1 ? producer.outputs[0] : undefined;
  let next = only(value);
  for (; next; next = only(value)) {
    let s: Float64Array | undefined, t: Float64Array | undefined, input = 0;
    if ((next.op === "Add" || next.op === "Mul") && next.inputs.length === 2) {
      input = next.inputs[0] === value ? 0 : 1;
      const c = perChannel(constants, next.inputs[1 - input], channels);
      if (!c) break;
      if (next.op === "Add") t = c;
      else [s, t] = [c, new Float64Array(channels)];
    } else if (next.op === "BatchNormalization" && next.inputs[0] === value) {
      const bn = batchNorm(constants, next, channels);
      if (!bn) break;
      [s, t] = bn;
    } else break;
    for (let c = 0; c < channels; c++) {
      const k = s ? s[c]! : 1;
      out.scale[c] = out.scale[c]! * k;
      out.shift[c] = out.shift[c]! * k + t![c]!;
    }
    out.absorbed.push({ node: next, input });
    value = next.outputs[0]!;
  }
  if (next && next.inputs[0] === value) {
    const activation = fusableActivation(constants, next);
    if (activation !== undefined) {
      out.activation = activation;
      out.absorbed.push({ node: next, input: 0 });
    }
  }
  return out;
}

/** Inference BatchNormalization as `[scale, shift]` per channel, when its parameters are constants. */
function batchNorm(constants: ConstantLookup, node: Node, channels: number): [Float64Array, Float64Array] | undefined {
  const attrs = new Attrs(node.attributes);
  if (attrs.int("training_mode", 0) !== 0 || node.inputs.length !== 5) return undefined;
  const [gamma, beta, mean, variance] = node.inputs.slice(1).map((name) => {
    const t = name ? constants(name) : undefined;
    return t && t.type === "float32" && t.data.length === channels ? t.data as Float32Array : undefined;
  });
  if (!gamma || !beta || !mean || !variance) return undefined;
  const epsilon = attrs.float("epsilon", 1e-5);
  const s = new Float64Array(channels), t = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    s[c] = gamma[c]! / Math.sqrt(variance[c]! + epsilon);
    t[c] = beta[c]! - mean[c]! * s[c]!;
  }
  return [s, t];
}
