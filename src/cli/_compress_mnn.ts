// `compress --format mnn`: quantizes an MNN model's convolution weights with bitloop's quantizers and
// re-writes the .mnn file with MNN's own encoding (src/formats/mnn/write_mnn.ts), so MNN's runtime loads it.
//
// The convolutions are handed to compressModel as a small graph of Conv nodes (one per MNN op, named after
// it), so the command-line settings, the --policy file (matching MNN op names), --min-size, the defaults and
// the per-layer report are exactly those of the bitloop format. Two MNN constraints shape the groups:
// - MNN needs equal blocks. A block size that does not divide a convolution's input channels becomes the
//   largest divisor below it when that is at least half the block (e.g. 40 channels at block 32 → 20),
//   else the convolution falls back to one group per output channel, as MNNConvert does; the report notes it.
// - A deconvolution is quantized as MNNConvert groups it: `outputCount` groups of contiguous weights in its
//   [ic, oc/g, kh, kw] layout, never block-wise.
// Scales and zero points: zero points are floats (MNN stores `min = −zero·scale` as a float anyway), scales
// float32 (MNN's default), or float16 with --scale-bits 16 (MNNConvert --weightQuantScaleBit 16; stored as
// `alphaFp16`); log8 scales (--scale-bits 8) have no MNN encoding and are refused.
import { ModelFormatError } from "../errors.ts";
import type { Model, Node } from "../graph/graph.ts";
import { Tensor } from "../graph/tensor.ts";
import { detectFormat } from "../formats/load.ts";
import { MNN_CONV_OP_TYPES, type MnnNet, readMnnWeights } from "../formats/mnn/mod.ts";
import { type MnnWeightUpdate, writeMnn } from "../formats/mnn/write_mnn.ts";
import { compressModel, type CompressOptions } from "../quant/compress_model.ts";
import type { CompressReport } from "../quant/compress_report.ts";
import { type CompressionPolicy, type PolicyRule, resolveLayerRule } from "../quant/compression_policy.ts";
import type { CompressRequest } from "./_compress_options.ts";
import { readUserFile } from "./_files.ts";
import { UsageError } from "./_usage_error.ts";

/** What `compress --format mnn` produced, ready to be written. */
export interface MnnCompression {
  /** Files to write, sidecar first: `[path, bytes]`. */
  files: [string, Uint8Array][];
  /** The per-layer report (layers named after the MNN ops). */
  report: CompressReport;
  /** Input bytes (model and weight file). */
  inBytes: number;
  /** Output bytes (model and weight file). */
  outBytes: number;
  /** The compression options used (MNN's scale and zero-point storage filled in). */
  options: CompressOptions;
}

const OUT_OF_SCOPE = "--format mnn re-writes an MNN model (.mnn); converting ONNX or bitloop models to MNN is " +
  "out of scope: convert with MNNConvert first, or compress to the bitloop format (--format bitloop)";

/** The block (input channels) MNN can store for `rows` input channels when asked for `block` (see above). */
export function mnnBlockRows(rows: number, block: number): number {
  if (block <= 0 || block >= rows || rows % block === 0) return block;
  for (let d = block; d >= Math.ceil(block / 2); d--) if (rows % d === 0) return d;
  return 0;
}

async function readInput(path: string): Promise<{ bytes: Uint8Array; net: MnnNet; sidecarBytes: number }> {
  if (/\.(onnx|bitloop)$/i.test(path)) throw new UsageError(`Cannot compress "${path}" to MNN: ${OUT_OF_SCOPE}`);
  const bytes = await readUserFile(path, `model "${path}"`);
  if (detectFormat(bytes) === "bitloop") throw new UsageError(`"${path}" is a bitloop file: ${OUT_OF_SCOPE}`);
  let sidecarBytes = 0;
  const readSidecar = async (p: string | undefined) => {
    const file = await readUserFile(p ?? `${path}.weight`, `MNN weight file "${p ?? `${path}.weight`}"`);
    sidecarBytes += file.length;
    return file;
  };
  try {
    return { bytes, net: await readMnnWeights(bytes, { readSidecar }), sidecarBytes };
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    if (error.cause instanceof UsageError) throw error.cause; // an unreadable weight file
    throw new ModelFormatError("mnn", `"${path}" is not a readable MNN file (${error.message}); ${OUT_OF_SCOPE}`, {
      cause: error,
    });
  }
}

interface Site {
  opIndex: number;
  name: string;
  weight: Float32Array;
  deconv: boolean;
}

/** The MNN convolutions as a graph of Conv nodes compressModel understands, plus block rules for MNN. */
function sitesModel(net: MnnNet, request: CompressRequest, policy: CompressionPolicy | undefined) {
  const sites: Site[] = [];
  const model: Model = {
    graph: {
      name: "mnn",
      inputs: [],
      outputs: [],
      initializers: new Map(),
      quantized: new Map(),
      nodes: [],
      valueInfo: new Map(),
    },
    opsets: { "": 13 },
    irVersion: 8,
    producer: { name: "MNN", version: "" },
    metadata: {},
  };
  const rules: PolicyRule[] = [];
  const notes = new Map<string, string>();
  const used = new Set<string>();
  for (const op of net.ops) {
    const c = op.convolution;
    if (!c?.weight || !c.weightDims || (c.encoding !== "float" && c.encoding !== "float16")) continue;
    const name = used.has(op.name) ? `${op.name}#${op.index}` : op.name;
    used.add(name);
    const deconv = op.type === MNN_CONV_OP_TYPES.Deconvolution || op.type === MNN_CONV_OP_TYPES.DeconvolutionDepthwise;
    const oc = c.common.outputCount;
    // A deconvolution is grouped as MNNConvert does: outputCount runs of contiguous weights.
    const dims = deconv ? [oc, c.weight.length / oc, 1, 1] : c.weightDims;
    model.graph.initializers.set(name, new Tensor("float32", c.weight, dims));
    const node: Node = {
      name: op.name,
      op: "Conv",
      domain: "",
      inputs: [`${name}:x`, name],
      outputs: [`${name}:y`],
      attributes: {},
    };
    model.graph.nodes.push(node);
    sites.push({ opIndex: op.index, name, weight: c.weight, deconv });
    const asked = resolveLayerRule(policy, [name, op.name]).rule.blockSize ?? request.options.blockSize ?? 0;
    const block = deconv ? 0 : mnnBlockRows(dims[1]!, asked);
    if (block !== asked) {
      rules.push({ pattern: name, rule: { blockSize: block }, test: (n) => n === name });
      const why = deconv
        ? "a deconvolution is quantized per output channel in MNN"
        : `MNN needs equal blocks and ${dims[1]} input channels are not a multiple of ${asked}`;
      notes.set(name, `block ${asked} → ${block === 0 ? "per channel" : block} (${why})`);
    }
  }
  return { model, sites, policy: { rules: [...(policy?.rules ?? []), ...rules] }, notes };
}

/**
 * Compresses the MNN model `request.input` as `request` says and returns the files to write (nothing is
 * written here). Throws `UsageError` for a non-MNN input, `ModelFormatError` for an unreadable one, and the
 * MNN writer's `UnsupportedOpError` for a file it refuses to re-write.
 */
export async function compressMnn(
  request: CompressRequest,
  policy: CompressionPolicy | undefined,
  onProgress: ((done: number, total: number, name: string) => void) | undefined,
): Promise<MnnCompression> {
  const scaleDtype = request.options.scaleDtype ?? "float32";
  if (scaleDtype === "log8") {
    throw new UsageError(`--scale-bits 8 (log8 scales) has no MNN encoding; use 16 or 32 with --format mnn`);
  }
  const fp16Scales = scaleDtype === "float16";
  const { bytes, net, sidecarBytes } = await readInput(request.input);
  const sites = sitesModel(net, request, policy);
  const options: CompressOptions = { ...request.options, zeroPoint: "float", scaleDtype };
  const { model, report } = compressModel(sites.model, {
    ...options,
    policy: sites.policy,
    ...(onProgress ? { onProgress } : {}),
  });
  const produced = new Map(model.graph.nodes.flatMap((n) => n.op === "Cast" ? [[n.outputs[0]!, n.inputs[0]!]] : []));
  const updates = new Map<number, MnnWeightUpdate>();
  for (const site of sites.sites) {
    const q = model.graph.quantized.get(site.name);
    if (q) updates.set(site.opIndex, { kind: "quantized", tensor: q });
    else if (produced.has(site.name)) updates.set(site.opIndex, { kind: "float16", weight: site.weight });
  }
  for (const layer of report.layers) {
    const note = sites.notes.get(layer.name);
    if (note && layer.storage === "quantized") layer.note = layer.note ? `${note}; ${layer.note}` : note;
  }
  const written = await writeMnn(bytes, {
    updates,
    fp16Scales,
    externalData: request.externalData,
    readSidecar: (p) =>
      readUserFile(p ?? `${request.input}.weight`, `MNN weight file "${p ?? `${request.input}.weight`}"`),
  });
  const files: [string, Uint8Array][] = [];
  if (written.sidecar) files.push([`${request.output}.weight`, written.sidecar]);
  files.push([request.output, written.model]);
  return {
    files,
    report,
    inBytes: bytes.length + sidecarBytes,
    outBytes: written.model.length + (written.sidecar?.length ?? 0),
    options,
  };
}
