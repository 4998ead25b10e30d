// The verified FlatBuffers metadata block → graph IR, with tensor data viewed or copied from the data
// section / sidecar (private to bitloop/). Only call on a block verifyMeta() accepted.
import { ModelFormatError } from "../../errors.ts";
import { type DType, dtypeBytes, dtypeFromOnnx, type TensorData } from "../../graph/dtype.ts";
import type { Attribute, Dim, Graph, Model, Node, ValueInfo } from "../../graph/graph.ts";
import { groupCount, type GroupLayout, groupLayout, groupLengths } from "../../graph/group_layout.ts";
import { packedByteLength } from "../../graph/pack.ts";
import type { QuantAlgorithm, QuantizedTensor } from "../../graph/quantized_tensor.ts";
import { Tensor } from "../../graph/tensor.ts";
import { BITLOOP_ALIGNMENT } from "./layout.ts";
import {
  layoutKindOf,
  PackedLayout,
  readScales,
  readZeros,
  scaleBytesLength,
  scaleDtypeOf,
  zeroBytesLength,
  zeroPointModeOf,
} from "./_quantization.ts";
import { freshBytes } from "../_fresh_bytes.ts";
import {
  type Attribute as FbAttribute,
  AttributeKind,
  DataLocation,
  DimKind,
  type Graph as FbGraph,
  type KeyValue as FbKeyValue,
  type Model as FbModel,
  type Node as FbNode,
  type Quantization as FbQuantization,
  type Tensor as FbTensor,
  type ValueInfo as FbValueInfo,
} from "./schema/generated/bitloop_generated.ts";

/** Where tensor bytes are read from. */
export interface DataSections {
  /** The inline data section. */
  inline: Uint8Array;
  /** The sidecar file, when the model has one. */
  sidecar: Uint8Array | undefined;
  /** Copy tensor bytes even where a view is possible. */
  copy: boolean;
}

type NumericDType = Exclude<DType, "string">;
type View = (buffer: ArrayBufferLike, at: number, n: number) => TensorData;

const VIEWS: Record<NumericDType, View> = {
  float32: (b, at, n) => new Float32Array(b, at, n),
  float64: (b, at, n) => new Float64Array(b, at, n),
  float16: (b, at, n) => new Uint16Array(b, at, n),
  int8: (b, at, n) => new Int8Array(b, at, n),
  uint8: (b, at, n) => new Uint8Array(b, at, n),
  int16: (b, at, n) => new Int16Array(b, at, n),
  uint16: (b, at, n) => new Uint16Array(b, at, n),
  int32: (b, at, n) => new Int32Array(b, at, n),
  uint32: (b, at, n) => new Uint32Array(b, at, n),
  int64: (b, at, n) => new BigInt64Array(b, at, n),
  uint64: (b, at, n) => new BigUint64Array(b, at, n),
  bool: (b, at, n) => new Uint8Array(b, at, n),
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const ALGORITHMS = new Set<string>(["minmax", "mse", "hqq"]);

interface Table {
  bb: { __offset(pos: number, slot: number): number } | null;
  bb_pos: number;
}

/** True when field `slot` of a table is stored (as opposed to defaulted). */
function present(t: Table, slot: number): boolean {
  return t.bb!.__offset(t.bb_pos, 4 + 2 * slot) !== 0;
}

/** Adds `key` as an own enumerable property, so names like `__proto__` stay plain keys. */
function define<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

class Decoder {
  readonly #base: number;
  readonly #data: DataSections;

  constructor(metaBase: number, data: DataSections) {
    this.#base = metaBase;
    this.#data = data;
  }

  fail(message: string, at: Table | number): never {
    const offset = typeof at === "number" ? at : this.#base + at.bb_pos;
    throw new ModelFormatError("bitloop", message, { offset });
  }

  list<T>(n: number, get: (i: number) => T): T[] {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = get(i);
    return out;
  }

  safe(v: bigint, what: string, at: Table): number {
    if (v > MAX_SAFE || v < -MAX_SAFE) this.fail(`${what} ${v} is out of range`, at);
    return Number(v);
  }

  keyValues(n: number, get: (i: number) => FbKeyValue, what: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const kv = get(i);
      const key = kv.key() ?? "";
      if (Object.hasOwn(out, key)) this.fail(`Duplicate ${what} key "${key}"`, kv);
      define(out, key, kv.value() ?? "");
    }
    return out;
  }

  dtype(code: number, what: string, at: Table): DType {
    const dtype = dtypeFromOnnx(code);
    if (dtype === undefined) this.fail(`${what} has unknown dtype code ${code}`, at);
    return dtype;
  }

  tensor(t: FbTensor, label = `Tensor "${t.name() ?? ""}"`): Tensor {
    const dtype = this.dtype(t.dtype(), label, t);
    const dims = this.list(t.dimsLength(), (i) => {
      const d = t.dims(i)!;
      if (d < 0n || d > MAX_SAFE) this.fail(`${label} has invalid dim ${d}`, t);
      return Number(d);
    });
    let count = 1;
    for (const d of dims) count *= d;
    const length = this.safe(t.length(), `${label} byte length`, t);
    if (dtype === "string") {
      const n = t.stringsLength();
      if (n !== count || length !== 0) this.fail(`${label}: dims [${dims}] need ${count} strings, found ${n}`, t);
      return new Tensor(dtype, this.list(n, (i) => t.strings(i)), dims);
    }
    const bytes = count * dtypeBytes(dtype);
    if (bytes !== length) {
      this.fail(`${label}: dims [${dims}] need ${bytes} bytes of ${dtype}, the file says ${length}`, t);
    }
    const { section, offset } = this.range(t, label, "data", t.offset(), length);
    return new Tensor(dtype, this.view(dtype, section, offset, length, count), dims);
  }

  /** The data section or sidecar a tensor's bytes live in. */
  section(t: FbTensor, label: string): { section: Uint8Array; where: string } {
    const location = t.location();
    if (location === DataLocation.Inline) return { section: this.#data.inline, where: "data section" };
    if (location !== DataLocation.External) this.fail(`${label} has unknown data location ${location}`, t);
    if (this.#data.sidecar === undefined) this.fail(`${label} is external but the file has no sidecar`, t);
    return { section: this.#data.sidecar, where: "sidecar" };
  }

  /** Checks that `length` bytes at data offset `at` are 64-aligned and inside the tensor's section. */
  range(t: FbTensor, label: string, what: string, at: bigint, length: number): { section: Uint8Array; offset: number } {
    const offset = this.safe(at, `${label} ${what} offset`, t);
    if (offset % BITLOOP_ALIGNMENT !== 0) this.fail(`${label}: ${what} offset ${offset} is not 64-byte aligned`, t);
    const { section, where } = this.section(t, label);
    if (offset + length > section.length) {
      const bytes = `${what === "data" ? "" : `${what} `}bytes [${offset}, ${offset + length})`;
      this.fail(`${label}: ${bytes} lie outside the ${section.length}-byte ${where}`, t);
    }
    return { section, offset };
  }

  /** The `length` bytes of a quantized tensor's part, checked against the `expected` length. */
  part(t: FbTensor, label: string, what: string, at: bigint, stored: bigint, expected: number): Uint8Array {
    const length = this.safe(stored, `${label} ${what} length`, t);
    if (length !== expected) this.fail(`${label}: its ${what} need ${expected} bytes, the file says ${length}`, t);
    const { section, offset } = this.range(t, label, what, at, length);
    return this.#data.copy ? section.slice(offset, offset + length) : section.subarray(offset, offset + length);
  }

  /** A quantized weight (a Tensor entry with a Quantization table), checked against its own layout. */
  quantized(t: FbTensor, q: FbQuantization): QuantizedTensor {
    const label = `Quantized tensor "${t.name() ?? ""}"`;
    const dtype = this.dtype(t.dtype(), label, t);
    if (dtype !== "float32" && dtype !== "float16") this.fail(`${label} must be float32 or float16, not ${dtype}`, t);
    const dims = this.list(t.dimsLength(), (i) => {
      const d = t.dims(i)!;
      if (d < 0n || d > MAX_SAFE) this.fail(`${label} has invalid dim ${d}`, t);
      return Number(d);
    });
    const bits = q.bits();
    if (bits < 2 || bits > 8) this.fail(`${label} has ${bits} bits (2..8 are valid)`, q);
    const kind = layoutKindOf(q.layout());
    if (kind === undefined) this.fail(`${label} has unknown weight layout ${q.layout()}`, q);
    const packing = q.packedLayout() === PackedLayout.LsbFirst
      ? "continuous"
      : q.packedLayout() === PackedLayout.LsbFirstGroupAligned
      ? "group"
      : this.fail(`${label} has unknown packed layout ${q.packedLayout()}`, q);
    const zeroPoint = zeroPointModeOf(q.zeroPointMode()) ??
      this.fail(`${label} has unknown zero point mode ${q.zeroPointMode()}`, q);
    const scaleDtype = scaleDtypeOf(q.scaleDtype()) ?? this.fail(`${label} has scale dtype ${q.scaleDtype()}`, q);
    const scaleRef = q.scaleRef();
    if (scaleDtype === "log8" && !(scaleRef > 0 && scaleRef < Infinity)) {
      this.fail(`${label} has log8 scales but scale reference ${scaleRef} (a positive float is needed)`, q);
    }
    const algorithm = q.algorithm() ?? "";
    if (!ALGORITHMS.has(algorithm)) this.fail(`${label} names unknown algorithm "${algorithm}"`, q);
    let layout: GroupLayout;
    try {
      layout = groupLayout(dims, { kind, group: q.group() }, q.blockSize());
    } catch (error) {
      this.fail(`${label}: ${(error as Error).message}`, q);
    }
    const count = groupCount(layout);
    const size = dims.reduce((a, b) => a * b, 1);
    // Bound the work before any per-group array is made: the codes alone must fit in the section.
    const { section, where } = this.section(t, label);
    if (Math.ceil((size * bits) / 8) > section.length) {
      this.fail(`${label}: dims [${dims}] need more code bytes than the ${section.length}-byte ${where} holds`, t);
    }
    const codeBytes = packedByteLength(bits, size, packing === "group" ? groupLengths(layout) : undefined);
    const data = this.part(t, label, "codes", t.offset(), t.length(), codeBytes);
    const scaleLength = scaleBytesLength(count, scaleDtype);
    const scaleBytes = this.part(t, label, "scales", q.scalesOffset(), q.scalesLength(), scaleLength);
    const symmetric = q.symmetric();
    let zeros: Float32Array | undefined;
    if (symmetric) {
      if (q.zerosLength() !== 0n) this.fail(`${label} is symmetric but stores zero points`, q);
    } else {
      const expected = zeroBytesLength(count, bits, zeroPoint, scaleDtype);
      const bytes = this.part(t, label, "zero points", q.zerosOffset(), q.zerosLength(), expected);
      zeros = readZeros(bytes, bits, count, zeroPoint, scaleDtype);
    }
    const record: QuantizedTensor = {
      algorithm: algorithm as QuantAlgorithm,
      bits,
      symmetric,
      blockSize: q.blockSize(),
      layout,
      dims,
      dtype,
      packing,
      data,
      scales: readScales(scaleBytes, scaleDtype, scaleRef),
      zeros,
      zeroPoint,
      scaleDtype,
      ...(scaleDtype === "log8" ? { scaleRef } : {}),
    };
    return present(q, 16) ? { ...record, sqnr: q.sqnr() } : record;
  }

  /** A view of the bytes when aligned for the element type (and copying is not asked for), else a copy. */
  view(dtype: NumericDType, section: Uint8Array, offset: number, length: number, count: number): TensorData {
    const at = section.byteOffset + offset;
    if (!this.#data.copy && at % dtypeBytes(dtype) === 0) return VIEWS[dtype](section.buffer, at, count);
    return VIEWS[dtype](freshBytes(section, offset, offset + length).buffer, 0, count);
  }

  valueInfo(v: FbValueInfo): ValueInfo {
    const name = v.name() ?? "";
    const code = v.dtype();
    const dtype = code === 0 ? undefined : this.dtype(code, `Value "${name}"`, v);
    const shape = present(v, 2) ? this.list(v.shapeLength(), (i) => this.dim(v.shape(i)!, name)) : undefined;
    return { name, dtype, shape };
  }

  dim(d: NonNullable<ReturnType<FbValueInfo["shape"]>>, value: string): Dim {
    switch (d.kind()) {
      case DimKind.Unknown:
        return null;
      case DimKind.Value:
        return this.safe(d.value(), `Value "${value}" dim`, d);
      case DimKind.Symbol:
        return d.symbol() ?? "";
      default:
        this.fail(`Value "${value}" has a dim of unknown kind ${d.kind()}`, d);
    }
  }

  attribute(a: FbAttribute, node: string): Attribute {
    const where = `Attribute "${a.name() ?? ""}" of node "${node}"`;
    const doubles = a.intsAsDoubles();
    switch (a.kind()) {
      case AttributeKind.Float:
        return { kind: "float", value: a.f() };
      case AttributeKind.Int:
        return { kind: "int", value: doubles ? a.f() : Number(a.i()) };
      case AttributeKind.String:
        return { kind: "string", value: a.s() ?? "" };
      case AttributeKind.Tensor: {
        const t = a.t();
        if (t === null) this.fail(`${where} has kind tensor but no tensor`, a);
        if (t.quantization() !== null) this.fail(`${where} holds a quantized tensor (only weights may be)`, a);
        return { kind: "tensor", value: this.tensor(t, `Tensor of ${where.charAt(0).toLowerCase()}${where.slice(1)}`) };
      }
      case AttributeKind.Graph: {
        const g = a.g();
        if (g === null) this.fail(`${where} has kind graph but no graph`, a);
        return { kind: "graph", value: this.graph(g) };
      }
      case AttributeKind.Floats:
        return { kind: "floats", value: this.list(a.floatsLength(), (i) => a.floats(i)!) };
      case AttributeKind.Ints:
        return {
          kind: "ints",
          value: doubles
            ? this.list(a.floatsLength(), (i) => a.floats(i)!)
            : this.list(a.intsLength(), (i) => Number(a.ints(i)!)),
        };
      case AttributeKind.Strings:
        return { kind: "strings", value: this.list(a.stringsLength(), (i) => a.strings(i)) };
      default:
        this.fail(`${where} has unknown kind ${a.kind()}`, a);
    }
  }

  node(n: FbNode): Node {
    const op = n.op();
    if (op === null) this.fail("Node without an op", n);
    const node: Node = {
      name: n.name() ?? "",
      op,
      domain: n.domain() ?? "",
      inputs: this.list(n.inputsLength(), (i) => n.inputs(i)),
      outputs: this.list(n.outputsLength(), (i) => n.outputs(i)),
      attributes: {},
    };
    const label = node.name || node.outputs[0] || op;
    for (let i = 0; i < n.attributesLength(); i++) {
      const a = n.attributes(i)!;
      const name = a.name() ?? "";
      if (Object.hasOwn(node.attributes, name)) this.fail(`Node "${label}" has attribute "${name}" twice`, a);
      define(node.attributes, name, this.attribute(a, label));
    }
    return node;
  }

  graph(g: FbGraph): Graph {
    const name = g.name() ?? "";
    const initializers = new Map<string, Tensor>();
    const quantized = new Map<string, QuantizedTensor>();
    for (let i = 0; i < g.initializersLength(); i++) {
      const t = g.initializers(i)!;
      const key = t.name() ?? "";
      if (initializers.has(key) || quantized.has(key)) this.fail(`Graph "${name}" has initializer "${key}" twice`, t);
      const q = t.quantization();
      if (q === null) initializers.set(key, this.tensor(t));
      else quantized.set(key, this.quantized(t, q));
    }
    const valueInfo = new Map<string, ValueInfo>();
    for (let i = 0; i < g.valueInfoLength(); i++) {
      const v = this.valueInfo(g.valueInfo(i)!);
      if (valueInfo.has(v.name)) this.fail(`Graph "${name}" has value info "${v.name}" twice`, g);
      valueInfo.set(v.name, v);
    }
    return {
      name,
      inputs: this.list(g.inputsLength(), (i) => this.valueInfo(g.inputs(i)!)),
      outputs: this.list(g.outputsLength(), (i) => this.valueInfo(g.outputs(i)!)),
      initializers,
      quantized,
      nodes: this.list(g.nodesLength(), (i) => this.node(g.nodes(i)!)),
      valueInfo,
    };
  }

  model(m: FbModel): Model {
    const opsets: Record<string, number> = {};
    for (let i = 0; i < m.opsetsLength(); i++) {
      const o = m.opsets(i)!;
      const domain = o.domain() ?? "";
      if (Object.hasOwn(opsets, domain)) this.fail(`Opset domain "${domain}" is imported twice`, o);
      define(opsets, domain, this.safe(o.version(), `Opset version of "${domain}"`, o));
    }
    const graph = m.graph();
    if (graph === null) this.fail("The model has no graph", m);
    return {
      graph: this.graph(graph),
      opsets,
      irVersion: this.safe(m.irVersion(), "IR version", m),
      producer: { name: m.producerName() ?? "", version: m.producerVersion() ?? "" },
      metadata: this.keyValues(m.metadataLength(), (i) => m.metadata(i)!, "metadata"),
    };
  }
}

/** Builds the IR from a verified root table. `metaBase` is the block's file offset (for error offsets). */
export function decodeMeta(root: FbModel, metaBase: number, data: DataSections): Model {
  return new Decoder(metaBase, data).model(root);
}

/** Reads a verified key/value vector into a record (used for the file info's extra fields). */
export function decodeKeyValues(n: number, get: (i: number) => FbKeyValue, metaBase: number): Record<string, string> {
  return new Decoder(metaBase, { inline: new Uint8Array(), sidecar: undefined, copy: true })
    .keyValues(n, get, "file info extra");
}
