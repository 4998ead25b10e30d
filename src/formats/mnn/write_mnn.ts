/**
 * Re-writes an MNN `.mnn` file with new convolution weights: MNN's own weight quantization (IDSTQuan
 * type 1, `encode_idst_quan.ts`) or IEEE half weights (type 3, as MNNConvert `--fp16`), scales as FP32
 * or FP16, inline or in an external weight file (`<model>.weight`, MNNConvert `--saveExternalData`).
 *
 * How: the whole file is read into a tree through bitloop's MNN schema (`flatbuffer_tree.ts`), only the
 * `Convolution2D` tables being changed are edited (`weight`, `quanParameter`, `external`; the bias and
 * geometry stay), and the tree is built again (`build_flatbuffer_tree.ts`). Every other table and field
 * is written back exactly as stored. Fail closed: a file that stores anything the schema does not
 * describe — a field past a table's known slots, an unknown OpParameter member, a symmetricQuan or
 * sparseParameter table — is refused with `UnsupportedOpError` naming the op and the table (or
 * `ModelFormatError` outside ops), because re-writing it would drop data. So are files with external data
 * outside convolutions (`Blob`, `Scale`, `LayerNorm`) or in per-op files (`Op.externalPath`).
 *
 * External data: an input's convolution data is first brought inline from its weight file (the reader
 * checks the ranges). With `externalData`, every convolution that holds weights moves them to the new
 * weight file in op order, back to back from offset 0, as MNNConvert does:
 * `external = [offset, bufferBytes, alphaBytes, biasBytes, indexBytes]` for a convolution with an
 * IDSTQuan (`alphaFp16` stays inline, so `alphaBytes` is 0 then), `[offset, weightBytes, biasBytes]`
 * for float weights; offsets are absolute positions in the weight file.
 * @module
 */
import { ModelFormatError, UnsupportedOpError } from "../../errors.ts";
import { float32ToFloat16Array } from "../../graph/float16.ts";
import type { QuantizedTensor } from "../../graph/quantized_tensor.ts";
import { buildFlatBufferTree } from "./build_flatbuffer_tree.ts";
import { encodeIdstQuan } from "./encode_idst_quan.ts";
import { type FbField, type FbPathStep, type FbTable, readFlatBufferTree, type SchemaGap } from "./flatbuffer_tree.ts";
import type { MnnNet } from "./mnn_net.ts";
import { MNN_CONV_OP_TYPES, mnnOpTypeName } from "./op_type_name.ts";
import { readMnnWeights } from "./read_mnn_weights.ts";
import { MNN_SCHEMA } from "./verify_mnn.ts";

/** New weights for one convolution. */
export type MnnWeightUpdate =
  /** Quantized weights (stored as IDSTQuan type 1). */
  | { kind: "quantized"; tensor: QuantizedTensor }
  /** Float weights stored as IEEE half (IDSTQuan type 3), in the convolution's weight layout. */
  | { kind: "float16"; weight: Float32Array };

/** Options for {@link writeMnn}. */
export interface WriteMnnOptions {
  /**
   * New weights by op index in `Net.oplists`; each must be a convolution-family op with as many
   * weights as the update. Quantized weights are grouped as MNN's loader reads them: a convolution's
   * `[oc, ic/g, kh, kw]` weights in `oc × blocks` groups of whole kernel windows along the input channels;
   * a deconvolution's `[ic, oc/g, kh, kw]` weights in `oc` groups of contiguous weights (MNNConvert's
   * chunking, which does not follow output channels).
   * @default none: the file is re-written unchanged
   */
  updates?: ReadonlyMap<number, MnnWeightUpdate>;
  /**
   * Store the scales of quantized updates as FP16 (`alphaFp16`).
   * @default false
   */
  fp16Scales?: boolean;
  /**
   * Move every convolution's weights to an external weight file (returned as `sidecar`).
   * @default false
   */
  externalData?: boolean;
  /** Reads the input's external weight file (`readMnnWeights` option of the same name). */
  readSidecar?: (path: string | undefined) => Promise<Uint8Array>;
}

/** The re-written model and, with `externalData`, its weight file. */
export interface WrittenMnn {
  /** The `.mnn` bytes. */
  model: Uint8Array;
  /** The external weight file (`<model>.weight`), when `externalData` was asked for. */
  sidecar: Uint8Array | undefined;
}

const f32Bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0]!;
const scalar = (bits: number): FbField => ({ kind: "scalar", bits: bits >>> 0 });
const vector = (bytes: Uint8Array): FbField => ({ kind: "vector", bytes });
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const utf8 = new TextDecoder();

/** A convolution (or any table) found in the tree, with the op that holds it. */
interface Located {
  table: FbTable;
  op: FbTable | undefined;
  opIndex: number | undefined;
}

/** Every table of the tree depth-first, each with its enclosing op (top-level ops carry their index). */
function walk(root: FbTable, visit: (at: Located) => void): void {
  const go = (t: FbTable, op: FbTable | undefined, opIndex: number | undefined): void => {
    const own = t.type === "Op" ? t : op;
    visit({ table: t, op: own, opIndex });
    t.fields.forEach((f, slot) => {
      if (f?.kind === "table") go(f.table, own, opIndex);
      if (f?.kind !== "tables") return;
      f.items.forEach((item, k) => {
        const index = t === root && slot === 3 ? k : item.type === "Op" ? undefined : opIndex;
        go(item, own, index);
      });
    });
  };
  go(root, undefined, undefined);
}

function opLabel(op: FbTable | undefined, index: number | undefined): { name: string; type: string; text: string } {
  const nameField = op?.fields[3];
  const typeField = op?.fields[5];
  const name = nameField?.kind === "string" ? utf8.decode(nameField.bytes) : `#${index ?? "?"}`;
  const type = mnnOpTypeName(typeField?.kind === "scalar" ? Number(typeField.bits) | 0 : 0);
  return { name, type, text: `op "${name}" (${type}${index === undefined ? ", in a subgraph" : `, #${index}`})` };
}

/** The tables along `path` from the root. */
function tablesOn(root: FbTable, path: readonly FbPathStep[]): FbTable[] {
  const out = [root];
  let t = root;
  for (const step of path) {
    const f = t.fields[step.slot];
    const next = f?.kind === "table" ? f.table : f?.kind === "tables" ? f.items[step.index ?? 0] : undefined;
    if (!next) break;
    out.push(next);
    t = next;
  }
  return out;
}

const FIX = "compress to the bitloop format instead (--format bitloop), which does not re-write the MNN file";

function refuseGap(root: FbTable, gap: SchemaGap): never {
  const tables = tablesOn(root, gap.path);
  const opAt = tables.map((t) => t.type).lastIndexOf("Op");
  const top = gap.path[0]?.table === "Net" && gap.path[0].slot === 3 ? gap.path[0].index : undefined;
  const what = gap.kind === "union"
    ? `has parameters of ${gap.union!.name} member ${gap.union!.code}, which bitloop's MNN schema does not know`
    : `stores field ${gap.slot} of table ${gap.table}, which bitloop's MNN schema does not know`;
  const why = `(written by a newer MNN, or a feature bitloop does not re-write); re-writing would drop it: ${FIX}`;
  if (opAt < 0) throw new ModelFormatError("mnn", `Cannot re-write this MNN file: it ${what} ${why}`);
  const label = opLabel(tables[opAt], opAt === 1 ? top : undefined);
  throw new UnsupportedOpError(label.type, label.name, `Cannot re-write this MNN file: ${label.text} ${what} ${why}`, {
    attribute: `${gap.table}.${gap.slot}`,
  });
}

/** Non-convolution tables whose `external` slot points into a weight file. */
const EXTERNAL_SLOTS: Readonly<Record<string, number>> = { Blob: 9, Scale: 3, LayerNorm: 5 };

function int64s(f: FbField | undefined): bigint[] {
  if (f?.kind !== "vector") return [];
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  return Array.from({ length: f.bytes.length / 8 }, (_, i) => view.getBigInt64(8 * i, true));
}

/** Checks what the writer cannot carry over; returns the convolutions (with their ops) in walk order. */
function convolutionsOf(root: FbTable): Located[] {
  const convs: Located[] = [];
  walk(root, (at) => {
    const { table: t, op, opIndex } = at;
    if (t.type === "Op" && t.fields[7] !== undefined) {
      const label = opLabel(t, opIndex);
      throw new UnsupportedOpError(
        label.type,
        label.name,
        `Cannot re-write this MNN file: ${label.text} keeps its data in a file of its own (Op.externalPath), ` +
          `which the MNN writer does not carry over: ${FIX}`,
      );
    }
    const slot = EXTERNAL_SLOTS[t.type];
    if (slot !== undefined && int64s(t.fields[slot]).length > 0) {
      const label = opLabel(op, opIndex);
      const where = op ? label.text : "the net";
      const message = `Cannot re-write this MNN file: ${where} keeps ${t.type} data in the external weight ` +
        `file; the MNN writer carries over external data of convolutions only: ${FIX}`;
      if (op) throw new UnsupportedOpError(label.type, label.name, message, { attribute: `${t.type}.external` });
      throw new ModelFormatError("mnn", message);
    }
    if (t.type === "Convolution2D") convs.push(at);
  });
  return convs;
}

/** Brings a convolution's external data back inline (the ranges were checked by `readMnnWeights`). */
function inlineExternal(conv: FbTable, file: Uint8Array): void {
  const ext = int64s(conv.fields[6]).map(Number);
  conv.fields[6] = undefined;
  if (ext.length < 2) return;
  let at = ext[0]!;
  const parts = ext.slice(1).map((n) => {
    const part = file.subarray(at, at + n);
    at += n;
    return part.length > 0 ? vector(part) : undefined;
  });
  const quan = conv.fields[3];
  if (quan?.kind === "table") {
    const q = quan.table.fields;
    [q[0], q[1], conv.fields[2], q[13]] = [
      parts[0] ?? q[0],
      parts[1] ?? q[1],
      parts[2] ?? conv.fields[2],
      parts[3] ?? q[13],
    ];
  } else {
    [conv.fields[1], conv.fields[2]] = [parts[0] ?? conv.fields[1], parts[1] ?? conv.fields[2]];
  }
}

/** The IDSTQuan table of an update, with the fields MNNConvert stores. */
function idstQuanTable(update: MnnWeightUpdate, fp16Scales: boolean, name: string): FbTable {
  const fields: (FbField | undefined)[] = [];
  const zeros = [3, 5, 6, 10, 12];
  if (update.kind === "float16") {
    const halves = float32ToFloat16Array(update.weight);
    const le = new Uint8Array(halves.length * 2);
    const view = new DataView(le.buffer);
    halves.forEach((h, i) => view.setUint16(2 * i, h, true));
    fields[0] = vector(le);
    fields[2] = scalar(3);
    for (const slot of [...zeros, 4, 7, 8, 9, 11, 15]) fields[slot] = scalar(0);
    return { type: "IDSTQuan", fields };
  }
  const e = encodeIdstQuan(update.tensor, { fp16Scales, name });
  fields[0] = vector(e.buffer);
  if (e.alpha) fields[1] = vector(bytesOf(e.alpha));
  fields[2] = scalar(1);
  for (const slot of zeros) fields[slot] = scalar(0);
  fields[4] = scalar(f32Bits(1)); // quantScale
  fields[7] = scalar(e.bits);
  fields[8] = scalar(e.aMin);
  fields[9] = scalar(e.readType);
  fields[11] = scalar(e.shapeInt32 ? 1 : 0);
  if (e.alphaFp16) fields[14] = vector(bytesOf(e.alphaFp16));
  fields[15] = scalar(e.alphaFp16 ? 1 : 0);
  return { type: "IDSTQuan", fields };
}

/** Moves a convolution's weight vectors to the weight file; returns the bytes moved, in storage order. */
function moveExternal(conv: FbTable, offset: number): Uint8Array[] {
  const take = (fields: (FbField | undefined)[], slot: number): Uint8Array => {
    const f = fields[slot];
    fields[slot] = undefined;
    return f?.kind === "vector" ? f.bytes : new Uint8Array(0);
  };
  const quan = conv.fields[3];
  const hasWeights = quan?.kind === "table"
    ? [0, 13].some((s) => quan.table.fields[s] !== undefined)
    : conv.fields[1]?.kind === "vector" && conv.fields[1].bytes.length > 0;
  if (!hasWeights) return [];
  const parts = quan?.kind === "table"
    ? [take(quan.table.fields, 0), take(quan.table.fields, 1), take(conv.fields, 2), take(quan.table.fields, 13)]
    : [take(conv.fields, 1), take(conv.fields, 2)];
  conv.fields[6] = vector(bytesOf(BigInt64Array.from([offset, ...parts.map((p) => p.length)], BigInt)));
  return parts;
}

/**
 * Checks each update against its op: the same weight count, and groups MNN's loader reads back — for a
 * convolution `outputCount × blocks` groups of whole kernel windows, for a deconvolution exactly
 * `outputCount` groups (MNNConvert's chunking of the `[ic, oc/g, kh, kw]` weights).
 */
function checkUpdates(updates: ReadonlyMap<number, MnnWeightUpdate>, net: MnnNet): void {
  for (const [index, update] of updates) {
    const op = net.ops[index];
    const conv = op?.convolution;
    if (!op || !conv?.weightDims) {
      throw new RangeError(`Cannot update op #${index}: it is not a convolution with weights in this file`);
    }
    const fail = (why: string): never => {
      throw new RangeError(`Cannot update op "${op.name}" (${op.typeName}, #${index}): ${why}`);
    };
    const expected = conv.weightDims.reduce((a, b) => a * b, 1);
    const count = update.kind === "quantized" ? update.tensor.dims.reduce((a, b) => a * b, 1) : update.weight.length;
    if (count !== expected) fail(`${count} new weights for its ${expected} ([${conv.weightDims}])`);
    if (update.kind !== "quantized") continue;
    const g = update.tensor.layout;
    const groups = g.channels * g.blocksPerChannel;
    const oc = conv.common.outputCount;
    const window = conv.common.kernelX * conv.common.kernelY;
    if (op.type === MNN_CONV_OP_TYPES.Deconvolution || op.type === MNN_CONV_OP_TYPES.DeconvolutionDepthwise) {
      if (groups !== oc) {
        fail(`a deconvolution needs ${oc} groups (one per output channel, as MNNConvert), got ${groups}`);
      }
    } else if (groups % oc !== 0 || (count / groups) % window !== 0) {
      fail(`${groups} groups of ${count / groups} weights are not whole blocks of ${oc} output channels`);
    }
  }
}

/**
 * Re-writes the MNN file `bytes` with `options.updates` applied (see the module doc). Throws
 * `UnsupportedOpError` / `ModelFormatError` for a file the writer refuses, `ModelFormatError` for a corrupt
 * one, and `RangeError` for an update that does not fit its op or cannot be stored as IDSTQuan.
 *
 * @example
 * ```ts
 * const input = await Deno.readFile("cls.mnn");
 * const net = await readMnnWeights(input);
 * const i = net.ops.findIndex((op) => op.convolution?.weight);
 * const weight = net.ops[i]!.convolution!.weight!;
 * const { model } = await writeMnn(input, { updates: new Map([[i, { kind: "float16", weight }]]) });
 * if ((await readMnnWeights(model)).ops[i]!.convolution!.encoding !== "float16") throw new Error("fp16");
 * ```
 */
export async function writeMnn(bytes: Uint8Array, options: WriteMnnOptions = {}): Promise<WrittenMnn> {
  const net = await readMnnWeights(bytes, options.readSidecar ? { readSidecar: options.readSidecar } : {});
  const { root, gaps } = readFlatBufferTree(bytes, MNN_SCHEMA);
  if (gaps.length > 0) refuseGap(root, gaps[0]!);
  const convs = convolutionsOf(root);
  const updates = options.updates ?? new Map<number, MnnWeightUpdate>();
  checkUpdates(updates, net);
  if (convs.some((c) => int64s(c.table.fields[6]).length > 1)) {
    const file = await options.readSidecar!(undefined);
    for (const c of convs) inlineExternal(c.table, file);
  }
  for (const { table, opIndex } of convs) {
    const update = opIndex === undefined ? undefined : updates.get(opIndex);
    if (!update) continue;
    table.fields[1] = undefined;
    table.fields[3] = {
      kind: "table",
      table: idstQuanTable(update, options.fp16Scales ?? false, net.ops[opIndex!]!.name),
    };
    table.fields[6] = undefined;
  }
  let sidecar: Uint8Array | undefined;
  if (options.externalData) {
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const { table } of convs) {
      for (const part of moveExternal(table, offset)) {
        chunks.push(part);
        offset += part.length;
      }
    }
    sidecar = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      sidecar.set(c, at);
      at += c.length;
    }
  }
  return { model: buildFlatBufferTree(root, MNN_SCHEMA, bytes.length), sidecar };
}
