/**
 * Writes a tree read by `flatbuffer_tree.ts` (and possibly edited) back to FlatBuffers bytes with the
 * `flatbuffers` Builder. Exactly the stored fields are written, default-valued ones included
 * (`forceDefaults`), each scalar from its raw bits, so a tree read from a file re-reads field for field
 * identical (`diff_flatbuffer_trees.ts`); only the byte layout may differ (field order, padding, vtable
 * sharing). Scalar vectors are aligned to their element size (8 for 64-bit elements); strings keep their
 * stored bytes.
 * @module
 */
import * as flatbuffers from "flatbuffers";
import type { FlatBufferSchema } from "../verify_flatbuffer.ts";
import { type FbField, type FbTable, scalarSize } from "./flatbuffer_tree.ts";

class TreeBuilder {
  readonly #b: flatbuffers.Builder;
  readonly #schema: FlatBufferSchema;

  constructor(schema: FlatBufferSchema, initialSize: number) {
    this.#schema = schema;
    this.#b = new flatbuffers.Builder(initialSize);
    this.#b.forceDefaults(true);
  }

  finish(root: FbTable): Uint8Array {
    const offset = this.table(root);
    this.#b.finish(offset);
    return this.#b.asUint8Array().slice();
  }

  table(t: FbTable): number {
    const b = this.#b;
    const declared = this.#schema.tables[t.type];
    if (!declared) throw new TypeError(`Table "${t.type}" is not in the schema`);
    const typeOf = (slot: number): string => {
      const type = declared[slot];
      if (type === undefined || type === "-") throw new TypeError(`Table "${t.type}" has no field in slot ${slot}`);
      return type;
    };
    const offsets = new Map<number, number>();
    t.fields.forEach((f, slot) => {
      if (f && f.kind !== "scalar") offsets.set(slot, this.value(f, typeOf(slot), `${t.type} slot ${slot}`));
    });
    b.startObject(t.fields.length);
    // Widest first, so scalars need no padding between them; offsets are 4 bytes.
    for (const width of [8, 4, 2, 1]) {
      t.fields.forEach((f, slot) => {
        if (width === 4 && offsets.has(slot)) b.addFieldOffset(slot, offsets.get(slot)!, 0);
        if (f?.kind !== "scalar") return;
        if (scalarSize(typeOf(slot)) !== width) return;
        if (width === 8) b.addFieldInt64(slot, BigInt.asIntN(64, BigInt(f.bits)), 0n);
        else if (width === 4) b.addFieldInt32(slot, Number(f.bits) | 0, 0);
        else if (width === 2) b.addFieldInt16(slot, Number(f.bits), 0);
        else b.addFieldInt8(slot, Number(f.bits), 0);
      });
    }
    return b.endObject();
  }

  value(f: Exclude<FbField, { kind: "scalar" }>, type: string, where: string): number {
    const b = this.#b;
    const mismatch = (): never => {
      throw new TypeError(`${where}: a ${f.kind} value does not fit schema type "${type}"`);
    };
    switch (f.kind) {
      case "string":
        if (type !== "string") mismatch();
        return b.createString(f.bytes);
      case "table":
        if (type.startsWith("[") || type === "string") mismatch();
        return this.table(f.table);
      case "vector": {
        if (!type.startsWith("[")) mismatch();
        const size = scalarSize(type.slice(1, -1));
        if (f.bytes.length % size !== 0) throw new TypeError(`${where}: ${f.bytes.length} bytes of ${type}`);
        // Align the elements to their size (createByteVector itself aligns the length word to 4).
        if (size > 4) b.prep(size, f.bytes.length);
        const offset = b.createByteVector(f.bytes);
        const bb = b.dataBuffer();
        bb.writeInt32(bb.capacity() - offset, f.bytes.length / size);
        return offset;
      }
      case "strings": {
        if (type !== "[string]") mismatch();
        return this.offsets(f.items.map((s) => b.createString(s)));
      }
      case "tables": {
        if (!type.startsWith("[") || type === "[string]") mismatch();
        return this.offsets(f.items.map((t) => this.table(t)));
      }
    }
  }

  offsets(items: number[]): number {
    const b = this.#b;
    b.startVector(4, items.length, 4);
    for (let k = items.length - 1; k >= 0; k--) b.addOffset(items[k]!);
    return b.endVector();
  }
}

/**
 * Serializes `root` (a tree from `readFlatBufferTree`, possibly edited) with `schema`'s field types.
 * Throws `TypeError` when a field does not fit its slot's schema type or a slot is not in the schema.
 * `sizeHint` is the expected output size in bytes (the builder grows from it).
 *
 * @example
 * ```ts
 * import { MNN_SCHEMA } from "./verify_mnn.ts";
 * import { readFlatBufferTree } from "./flatbuffer_tree.ts";
 * const bytes = await Deno.readFile("cls.mnn");
 * const again = buildFlatBufferTree(readFlatBufferTree(bytes, MNN_SCHEMA).root, MNN_SCHEMA, bytes.length);
 * console.log(again.length); // close to bytes.length; the same fields, maybe laid out differently
 * ```
 */
export function buildFlatBufferTree(root: FbTable, schema: FlatBufferSchema, sizeHint = 1024): Uint8Array {
  return new TreeBuilder(schema, Math.max(64, Math.min(sizeHint + 1024, 2 ** 30))).finish(root);
}
