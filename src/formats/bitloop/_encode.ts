// Graph IR → the FlatBuffers metadata block, with a plan of where each tensor's bytes go (private to bitloop/).
import * as flatbuffers from "flatbuffers";
import { dtypeToOnnx } from "../../graph/dtype.ts";
import type { Attribute, Dim, Graph, Model, Node, ValueInfo } from "../../graph/graph.ts";
import type { QuantizedTensor } from "../../graph/quantized_tensor.ts";
import type { Tensor } from "../../graph/tensor.ts";
import { align64 } from "./layout.ts";
import {
  groupsOf,
  LAYOUT_KINDS,
  packedLayoutOf,
  quantizedBytes,
  quantizedProblem,
  scaleDtypeCode,
  zeroPointModeCode,
} from "./_quantization.ts";
import {
  Attribute as FbAttribute,
  AttributeKind,
  DataLocation,
  Dim as FbDim,
  DimKind,
  FileInfo as FbFileInfo,
  Graph as FbGraph,
  KeyValue as FbKeyValue,
  Model as FbModel,
  Node as FbNode,
  OpsetImport as FbOpsetImport,
  Quantization as FbQuantization,
  Tensor as FbTensor,
  ValueInfo as FbValueInfo,
} from "./schema/generated/bitloop_generated.ts";

type Offset = flatbuffers.Offset;

/** A tensor's bytes and where they go in the data section or sidecar. */
export interface DataBlob {
  offset: number;
  bytes: Uint8Array;
}

/** What the file-info table holds (already defaulted). */
export interface FileInfoFields {
  producer: string;
  sourceSha256: string | undefined;
  createdAt: string | undefined;
  extra: Record<string, string>;
}

/** The encoded block, plus the data plan. */
export interface EncodedMeta {
  meta: Uint8Array;
  blobs: DataBlob[];
  /** Bytes of data section (or sidecar) the blobs need. */
  dataLength: number;
}

/** Subgraph nesting the writer accepts (the reader's depth limit allows a little more). */
const MAX_SUBGRAPH_DEPTH = 32;
const INT64_LIMIT = 2 ** 63;
const INT64_MAX = (1n << 63n) - 1n;

/** True when `v` survives number → int64 → number exactly (2^63 is stored as INT64_MAX, read back as 2^63). */
function int64Exact(v: number): boolean {
  return Number.isInteger(v) && v >= -INT64_LIMIT && v <= INT64_LIMIT && !Object.is(v, -0);
}

function toInt64(v: number): bigint {
  return v === INT64_LIMIT ? INT64_MAX : BigInt(v);
}

class Encoder {
  readonly b = new flatbuffers.Builder(1 << 16);
  readonly blobs: DataBlob[] = [];
  cursor = 0;
  readonly #location: DataLocation;

  constructor(external: boolean) {
    this.#location = external ? DataLocation.External : DataLocation.Inline;
  }

  str(s: string): Offset {
    return this.b.createString(s);
  }

  strings(list: readonly string[]): Offset {
    const offsets = list.map((s) => this.str(s));
    return FbNode.createInputsVector(this.b, offsets);
  }

  /** Writes a double even when it equals the default 0, so -0 keeps its sign. */
  double(add: (b: flatbuffers.Builder, v: number) => void, v: number): void {
    this.b.forceDefaults(true);
    add(this.b, v);
    this.b.forceDefaults(false);
  }

  keyValues(record: Record<string, string>): Offset {
    const entries = Object.entries(record).map(([key, value]) => {
      const k = this.str(key);
      const v = this.str(value);
      FbKeyValue.startKeyValue(this.b);
      FbKeyValue.addKey(this.b, k);
      FbKeyValue.addValue(this.b, v);
      return FbKeyValue.endKeyValue(this.b);
    });
    return FbModel.createMetadataVector(this.b, entries);
  }

  tensor(name: string, t: Tensor): Offset {
    for (const d of t.dims) {
      if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`Tensor "${name}": invalid dim ${d} in [${t.dims}]`);
    }
    const nameOff = this.str(name);
    const dims = FbTensor.createDimsVector(this.b, t.dims.map((d) => BigInt(d)));
    let strings = 0;
    let offset = 0;
    let length = 0;
    if (t.type === "string") {
      strings = this.strings(t.data as string[]);
    } else {
      const data = t.data as Exclude<Tensor["data"], string[]>;
      length = data.byteLength;
      offset = this.blob(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    FbTensor.startTensor(this.b);
    FbTensor.addName(this.b, nameOff);
    FbTensor.addDtype(this.b, dtypeToOnnx(t.type));
    FbTensor.addDims(this.b, dims);
    if (t.type === "string") {
      FbTensor.addStrings(this.b, strings);
    } else {
      FbTensor.addLocation(this.b, this.#location);
      FbTensor.addOffset(this.b, BigInt(offset));
      FbTensor.addLength(this.b, BigInt(length));
    }
    return FbTensor.endTensor(this.b);
  }

  /** Plans `bytes` at the next 64-aligned data offset and returns that offset. */
  blob(bytes: Uint8Array): number {
    const offset = align64(this.cursor);
    this.blobs.push({ offset, bytes });
    this.cursor = offset + bytes.length;
    return offset;
  }

  /** A quantized weight: a Tensor entry (original dtype and dims) whose bytes are the packed codes. */
  quantizedTensor(name: string, q: QuantizedTensor): Offset {
    const problem = quantizedProblem(q);
    if (problem) throw new RangeError(`Cannot write quantized tensor "${name}": ${problem}`);
    const bytes = quantizedBytes(q, name);
    const b = this.b;
    const nameOff = this.str(name);
    const dims = FbTensor.createDimsVector(b, q.dims.map((d) => BigInt(d)));
    const algorithm = this.str(q.algorithm);
    const codes = this.blob(bytes.codes);
    const scales = this.blob(bytes.scales);
    const zeros = bytes.zeros && this.blob(bytes.zeros);
    FbQuantization.startQuantization(b);
    FbQuantization.addBits(b, q.bits);
    FbQuantization.addBlockSize(b, q.blockSize);
    FbQuantization.addSymmetric(b, q.symmetric);
    FbQuantization.addAlgorithm(b, algorithm);
    FbQuantization.addPackedLayout(b, packedLayoutOf(q));
    FbQuantization.addLayout(b, LAYOUT_KINDS[q.layout.kind]);
    FbQuantization.addGroup(b, groupsOf(q.layout));
    FbQuantization.addZeroPointMode(b, zeroPointModeCode(q.zeroPoint));
    FbQuantization.addScaleDtype(b, scaleDtypeCode(q.scaleDtype));
    if (q.scaleRef !== undefined) FbQuantization.addScaleRef(b, q.scaleRef);
    FbQuantization.addScalesOffset(b, BigInt(scales));
    FbQuantization.addScalesLength(b, BigInt(bytes.scales.length));
    if (zeros !== undefined) {
      FbQuantization.addZerosOffset(b, BigInt(zeros));
      FbQuantization.addZerosLength(b, BigInt(bytes.zeros!.length));
    }
    if (q.sqnr !== undefined) this.double(FbQuantization.addSqnr, q.sqnr);
    const quantization = FbQuantization.endQuantization(b);
    FbTensor.startTensor(b);
    FbTensor.addName(b, nameOff);
    FbTensor.addDtype(b, dtypeToOnnx(q.dtype));
    FbTensor.addDims(b, dims);
    FbTensor.addLocation(b, this.#location);
    FbTensor.addOffset(b, BigInt(codes));
    FbTensor.addLength(b, BigInt(bytes.codes.length));
    FbTensor.addQuantization(b, quantization);
    return FbTensor.endTensor(b);
  }

  dim(d: Dim, where: string): Offset {
    if (typeof d === "string") {
      const symbol = this.str(d);
      FbDim.startDim(this.b);
      FbDim.addKind(this.b, DimKind.Symbol);
      FbDim.addSymbol(this.b, symbol);
      return FbDim.endDim(this.b);
    }
    FbDim.startDim(this.b);
    if (d !== null) {
      if (!Number.isSafeInteger(d)) throw new RangeError(`${where}: dim ${d} is not an integer`);
      FbDim.addKind(this.b, DimKind.Value);
      FbDim.addValue(this.b, BigInt(d));
    }
    return FbDim.endDim(this.b);
  }

  valueInfo(v: ValueInfo): Offset {
    const name = this.str(v.name);
    const shape = v.shape === undefined
      ? 0
      : FbValueInfo.createShapeVector(this.b, v.shape.map((d) => this.dim(d, `Value "${v.name}"`)));
    FbValueInfo.startValueInfo(this.b);
    FbValueInfo.addName(this.b, name);
    if (v.dtype !== undefined) FbValueInfo.addDtype(this.b, dtypeToOnnx(v.dtype));
    if (shape) FbValueInfo.addShape(this.b, shape);
    return FbValueInfo.endValueInfo(this.b);
  }

  valueInfos(list: readonly ValueInfo[]): Offset {
    return FbGraph.createInputsVector(this.b, list.map((v) => this.valueInfo(v)));
  }

  attribute(name: string, a: Attribute, depth: number): Offset {
    const b = this.b;
    const nameOff = this.str(name);
    let body: (() => void) | undefined;
    switch (a.kind) {
      case "float":
        body = () => this.double(FbAttribute.addF, a.value);
        break;
      case "int":
        body = int64Exact(a.value) ? () => FbAttribute.addI(b, toInt64(a.value)) : () => {
          FbAttribute.addIntsAsDoubles(b, true);
          this.double(FbAttribute.addF, a.value);
        };
        break;
      case "string": {
        const s = this.str(a.value);
        body = () => FbAttribute.addS(b, s);
        break;
      }
      case "tensor": {
        const t = this.tensor("", a.value);
        body = () => FbAttribute.addT(b, t);
        break;
      }
      case "graph": {
        const g = this.graph(a.value, depth + 1);
        body = () => FbAttribute.addG(b, g);
        break;
      }
      case "floats": {
        const v = FbAttribute.createFloatsVector(b, a.value);
        body = () => FbAttribute.addFloats(b, v);
        break;
      }
      case "ints": {
        const exact = a.value.every(int64Exact);
        const v = exact
          ? FbAttribute.createIntsVector(b, a.value.map(toInt64))
          : FbAttribute.createFloatsVector(b, a.value);
        body = exact ? () => FbAttribute.addInts(b, v) : () => {
          FbAttribute.addIntsAsDoubles(b, true);
          FbAttribute.addFloats(b, v);
        };
        break;
      }
      case "strings": {
        const v = this.strings(a.value);
        body = () => FbAttribute.addStrings(b, v);
        break;
      }
      default:
        throw new TypeError(`Attribute "${name}" has unknown kind "${(a as { kind: unknown }).kind}"`);
    }
    FbAttribute.startAttribute(b);
    FbAttribute.addName(b, nameOff);
    FbAttribute.addKind(b, AttributeKind[kindName(a.kind)]);
    body();
    return FbAttribute.endAttribute(b);
  }

  node(n: Node, depth: number): Offset {
    const name = n.name ? this.str(n.name) : 0;
    const op = this.str(n.op);
    const domain = n.domain ? this.str(n.domain) : 0;
    const inputs = this.strings(n.inputs);
    const outputs = this.strings(n.outputs);
    const attrs = FbNode.createAttributesVector(
      this.b,
      Object.entries(n.attributes).map(([k, a]) => this.attribute(k, a, depth)),
    );
    FbNode.startNode(this.b);
    if (name) FbNode.addName(this.b, name);
    FbNode.addOp(this.b, op);
    if (domain) FbNode.addDomain(this.b, domain);
    FbNode.addInputs(this.b, inputs);
    FbNode.addOutputs(this.b, outputs);
    FbNode.addAttributes(this.b, attrs);
    return FbNode.endNode(this.b);
  }

  graph(g: Graph, depth: number): Offset {
    if (depth > MAX_SUBGRAPH_DEPTH) {
      throw new RangeError(`Graph "${g.name}" is nested deeper than ${MAX_SUBGRAPH_DEPTH} subgraph levels`);
    }
    const name = this.str(g.name);
    const inputs = this.valueInfos(g.inputs);
    const outputs = this.valueInfos(g.outputs);
    for (const [key, v] of g.valueInfo) {
      if (key !== v.name) throw new RangeError(`Graph "${g.name}": valueInfo key "${key}" holds value "${v.name}"`);
    }
    const valueInfo = this.valueInfos([...g.valueInfo.values()]);
    const quantized = g.quantized ?? new Map<string, QuantizedTensor>();
    for (const key of quantized.keys()) {
      if (g.initializers.has(key)) {
        throw new RangeError(`Graph "${g.name}": "${key}" is both an initializer and a quantized tensor`);
      }
    }
    const inits = FbGraph.createInitializersVector(this.b, [
      ...[...g.initializers].map(([k, t]) => this.tensor(k, t)),
      ...[...quantized].map(([k, q]) => this.quantizedTensor(k, q)),
    ]);
    const nodes = FbGraph.createNodesVector(this.b, g.nodes.map((n) => this.node(n, depth)));
    FbGraph.startGraph(this.b);
    FbGraph.addName(this.b, name);
    FbGraph.addInputs(this.b, inputs);
    FbGraph.addOutputs(this.b, outputs);
    FbGraph.addValueInfo(this.b, valueInfo);
    FbGraph.addInitializers(this.b, inits);
    FbGraph.addNodes(this.b, nodes);
    return FbGraph.endGraph(this.b);
  }

  fileInfo(info: FileInfoFields): Offset {
    const producer = this.str(info.producer);
    const sha = info.sourceSha256 === undefined ? 0 : this.str(info.sourceSha256);
    const created = info.createdAt === undefined ? 0 : this.str(info.createdAt);
    const extra = this.keyValues(info.extra);
    FbFileInfo.startFileInfo(this.b);
    FbFileInfo.addProducer(this.b, producer);
    if (sha) FbFileInfo.addSourceSha256(this.b, sha);
    if (created) FbFileInfo.addCreatedAt(this.b, created);
    FbFileInfo.addExtra(this.b, extra);
    return FbFileInfo.endFileInfo(this.b);
  }
}

function kindName(kind: Attribute["kind"]): keyof typeof AttributeKind {
  return (kind[0]!.toUpperCase() + kind.slice(1)) as keyof typeof AttributeKind;
}

function safeInt(v: number, what: string): bigint {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what} ${v} is not an integer`);
  return BigInt(v);
}

/**
 * Encodes `model` as the FlatBuffers block and plans the data: tensor bytes in encounter order (main graph
 * initializers, then its quantized tensors — codes, scales, zero points —, then node attributes, subgraphs
 * depth-first), each at a 64-aligned offset.
 */
export function encodeMeta(
  model: Model,
  options: { external: boolean; sidecarName: string | undefined; fileInfo: FileInfoFields },
): EncodedMeta {
  const e = new Encoder(options.external);
  const b = e.b;
  const opsets = FbModel.createOpsetsVector(
    b,
    Object.entries(model.opsets).map(([domain, version]) => {
      const d = e.str(domain);
      const v = safeInt(version, `Opset version of domain "${domain}"`);
      FbOpsetImport.startOpsetImport(b);
      FbOpsetImport.addDomain(b, d);
      FbOpsetImport.addVersion(b, v);
      return FbOpsetImport.endOpsetImport(b);
    }),
  );
  const producerName = e.str(model.producer.name);
  const producerVersion = e.str(model.producer.version);
  const metadata = e.keyValues(model.metadata);
  const graph = e.graph(model.graph, 0);
  const fileInfo = e.fileInfo(options.fileInfo);
  const sidecar = options.sidecarName === undefined ? 0 : e.str(options.sidecarName);
  FbModel.startModel(b);
  FbModel.addIrVersion(b, safeInt(model.irVersion, "IR version"));
  FbModel.addOpsets(b, opsets);
  FbModel.addProducerName(b, producerName);
  FbModel.addProducerVersion(b, producerVersion);
  FbModel.addMetadata(b, metadata);
  FbModel.addGraph(b, graph);
  FbModel.addFileInfo(b, fileInfo);
  if (sidecar) FbModel.addSidecarName(b, sidecar);
  FbModel.finishModelBuffer(b, FbModel.endModel(b));
  return { meta: b.asUint8Array().slice(), blobs: e.blobs, dataLength: e.cursor };
}
