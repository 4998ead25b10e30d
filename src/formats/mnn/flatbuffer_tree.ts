/**
 * A FlatBuffers file read into a plain tree through a schema description (the shared verifier's
 * notation, `../verify_flatbuffer.ts`), keeping every stored field exactly as stored — scalars as their
 * raw little-endian bits, strings and scalar vectors as their bytes — so that `build_flatbuffer_tree.ts`
 * writes it back field for field, and `diff_flatbuffer_trees.ts` can compare two files. Fields are kept
 * by vtable slot, present or not, so a field stored with its default value stays stored.
 *
 * What the schema does not describe cannot be re-written, so it is not skipped silently: every table
 * slot that is set but unknown (past the table's last declared field, or a `-` placeholder) and every
 * union value whose type code has no member is reported as a {@link SchemaGap}, with the path to it.
 * The MNN writer refuses a file with any gap (fail closed).
 * @module
 */
import { type FlatBufferSchema, isFlatBufferScalar, verifyFlatBuffer } from "../verify_flatbuffer.ts";

/** One table: its schema name and its fields by slot (`undefined` = not stored). */
export interface FbTable {
  /** The table's name in the schema. */
  type: string;
  /** Stored fields by vtable slot. */
  fields: (FbField | undefined)[];
}

/** A stored field's value. Which kind a slot holds follows from its schema type. */
export type FbField =
  /** A scalar: its raw bits, unsigned (a number up to 4 bytes, a bigint for 8). */
  | { kind: "scalar"; bits: number | bigint }
  /** A string's UTF-8 bytes (as stored, not decoded). */
  | { kind: "string"; bytes: Uint8Array }
  /** A vector of scalars: its elements' raw little-endian bytes. */
  | { kind: "vector"; bytes: Uint8Array }
  /** A vector of strings. */
  | { kind: "strings"; items: Uint8Array[] }
  /** A table, or a union's value (its type code is the scalar in the slot before). */
  | { kind: "table"; table: FbTable }
  /** A vector of tables. */
  | { kind: "tables"; items: FbTable[] };

/** One step from the root to a value: a table, the slot followed, and the vector index when it is a vector. */
export interface FbPathStep {
  /** The table's name. */
  table: string;
  /** The slot followed out of it. */
  slot: number;
  /** The element followed, when the slot holds a vector. */
  index?: number;
}

/** Something stored that the schema does not describe. */
export interface SchemaGap {
  /** The steps from the root to the table holding it. */
  path: FbPathStep[];
  /** That table's name. */
  table: string;
  /** The slot. */
  slot: number;
  /** `field`: a set slot the schema does not declare; `union`: a union type code with no member. */
  kind: "field" | "union";
  /** The union's name and the unknown type code (`kind: "union"`). */
  union?: { name: string; code: number };
}

/** A file read as a tree, and what in it the schema does not describe. */
export interface FlatBufferTree {
  /** The root table. */
  root: FbTable;
  /** Every stored field or union value the schema lacks, in file-walk order (empty when all is known). */
  gaps: SchemaGap[];
}

const SIZES: Readonly<Record<string, number>> = {
  u8: 1,
  i8: 1,
  bool: 1,
  u16: 2,
  i16: 2,
  i32: 4,
  u32: 4,
  f32: 4,
  i64: 8,
  u64: 8,
  f64: 8,
};

/** Bytes of a scalar type of the schema notation (`"f32"` → 4). */
export function scalarSize(type: string): number {
  const size = SIZES[type];
  if (size === undefined) throw new TypeError(`"${type}" is not a scalar type`);
  return size;
}

class TreeReader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  readonly #schema: FlatBufferSchema;
  readonly gaps: SchemaGap[] = [];

  constructor(bytes: Uint8Array, schema: FlatBufferSchema) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#schema = schema;
  }

  root(): FbTable {
    return this.table(this.#view.getUint32(0, true), this.#schema.root, []);
  }

  table(pos: number, name: string, path: FbPathStep[]): FbTable {
    const v = this.#view;
    const vt = pos - v.getInt32(pos, true);
    const slots = (v.getUint16(vt, true) - 4) >> 1;
    const declared = this.#schema.tables[name]!;
    const fields: (FbField | undefined)[] = [];
    for (let slot = 0; slot < slots; slot++) {
      const fo = v.getUint16(vt + 4 + 2 * slot, true);
      if (fo === 0) continue;
      const type = declared[slot];
      if (type === undefined || type === "-") {
        this.gaps.push({ path, table: name, slot, kind: "field" });
        continue;
      }
      const at = pos + fo;
      const step = (
        index?: number,
      ): FbPathStep[] => [...path, { table: name, slot, ...(index === undefined ? {} : { index }) }];
      if (type.startsWith("union ")) {
        const union = type.slice(6);
        const typeField = fields[slot - 1];
        const code = typeField?.kind === "scalar" ? Number(typeField.bits) : 0;
        const member = this.#schema.unions?.[union]?.[code];
        if (member === undefined) {
          this.gaps.push({ path, table: name, slot, kind: "union", union: { name: union, code } });
          continue;
        }
        fields[slot] = { kind: "table", table: this.table(at + v.getUint32(at, true), member, step()) };
      } else if (isFlatBufferScalar(type)) {
        fields[slot] = { kind: "scalar", bits: this.scalar(at, SIZES[type]!) };
      } else {
        fields[slot] = this.reference(at + v.getUint32(at, true), type, step);
      }
    }
    return { type: name, fields };
  }

  scalar(at: number, size: number): number | bigint {
    const v = this.#view;
    if (size === 1) return v.getUint8(at);
    if (size === 2) return v.getUint16(at, true);
    if (size === 4) return v.getUint32(at, true);
    return v.getBigUint64(at, true);
  }

  bytesAt(at: number, n: number): Uint8Array {
    return this.#bytes.subarray(at, at + n);
  }

  reference(target: number, type: string, step: (index?: number) => FbPathStep[]): FbField {
    const v = this.#view;
    const n = v.getUint32(target, true);
    if (type === "string") return { kind: "string", bytes: this.bytesAt(target + 4, n) };
    if (!type.startsWith("[")) return { kind: "table", table: this.table(target, type, step()) };
    const elem = type.slice(1, -1);
    if (isFlatBufferScalar(elem)) return { kind: "vector", bytes: this.bytesAt(target + 4, n * SIZES[elem]!) };
    const items = Array.from({ length: n }, (_, k) => {
      const at = target + 4 + 4 * k;
      return at + v.getUint32(at, true);
    });
    if (elem === "string") {
      return { kind: "strings", items: items.map((s) => this.bytesAt(s + 4, v.getUint32(s, true))) };
    }
    return { kind: "tables", items: items.map((t, k) => this.table(t, elem, step(k))) };
  }
}

/**
 * Reads a FlatBuffers file into a tree through `schema`, after verifying it (`verifyFlatBuffer`: a corrupt
 * file throws `ModelFormatError`). Byte arrays in the tree are views of `bytes`, not copies. What the
 * schema does not describe is left out of the tree and listed in `gaps`.
 *
 * @example
 * ```ts
 * import { MNN_SCHEMA } from "./verify_mnn.ts";
 * const { root, gaps } = readFlatBufferTree(await Deno.readFile("cls.mnn"), MNN_SCHEMA);
 * if (gaps.length > 0 || root.type !== "Net") throw new Error("every field known");
 * ```
 */
export function readFlatBufferTree(bytes: Uint8Array, schema: FlatBufferSchema): FlatBufferTree {
  verifyFlatBuffer(bytes, schema);
  const reader = new TreeReader(bytes, schema);
  const root = reader.root();
  return { root, gaps: reader.gaps };
}
