/**
 * A FlatBuffers verifier for the bitloop metadata block. The `flatbuffers` TypeScript library does no
 * checking (an out-of-range read returns `undefined`, which becomes 0), so before any generated accessor
 * runs, this walks every table, vtable, string and vector the reader will touch and checks each offset
 * and length against the block, like flatc's C++ `Verifier`. It also bounds the work: nesting depth, and
 * the total bytes the walk covers, which cannot exceed the block's size unless offsets are shared or
 * cyclic (bitloop writers never share), so a crafted block cannot make a reader hang.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";

/**
 * The fields of every table in `schema/bitloop.fbs`, by slot: a scalar type (`"u8"`, `"bool"`, `"u16"`,
 * `"i32"`, `"u32"`, `"i64"`, `"u64"`, `"f64"`), `"string"`, a table name, or a vector of any of these in
 * brackets. A test checks this against the schema file.
 */
export const META_TABLES: Readonly<Record<string, readonly string[]>> = {
  Quantization: ["u8", "u32", "bool", "i32", "string", "string", "string", "u16"],
  Tensor: ["string", "u8", "[i64]", "u8", "u64", "u64", "[string]", "Quantization"],
  Dim: ["u8", "i64", "string"],
  ValueInfo: ["string", "u8", "[Dim]"],
  Attribute: ["string", "u8", "f64", "i64", "string", "Tensor", "Graph", "[f64]", "[i64]", "[string]", "bool"],
  Node: ["string", "string", "string", "[string]", "[string]", "[Attribute]"],
  Graph: ["string", "[ValueInfo]", "[ValueInfo]", "[ValueInfo]", "[Tensor]", "[Node]"],
  OpsetImport: ["string", "i64"],
  KeyValue: ["string", "string"],
  FileInfo: ["string", "string", "string", "[KeyValue]"],
  Model: ["i64", "[OpsetImport]", "string", "string", "[KeyValue]", "Graph", "FileInfo", "string"],
};

/** The root table of the block. */
export const META_ROOT = "Model";

/** The FlatBuffers file identifier of the block (bytes 4..8). */
export const META_IDENTIFIER = "BLFB";

/** Deepest table nesting accepted (a subgraph costs four levels: Graph, Node, Attribute, Graph). */
export const META_MAX_DEPTH = 128;

const SCALAR_BYTES: Readonly<Record<string, number>> = {
  u8: 1,
  bool: 1,
  u16: 2,
  i32: 4,
  u32: 4,
  i64: 8,
  u64: 8,
  f64: 8,
};

class Verifier {
  readonly #b: Uint8Array;
  readonly #base: number;
  #budget: number;

  constructor(bytes: Uint8Array, base: number) {
    this.#b = bytes;
    this.#base = base;
    this.#budget = bytes.length;
  }

  fail(message: string, at: number): never {
    throw new ModelFormatError("bitloop", `Corrupt FlatBuffers block: ${message} at block offset ${at}`, {
      offset: this.#base + Math.max(0, at),
    });
  }

  need(at: number, n: number, what: string): void {
    if (!(at >= 0 && n >= 0 && at + n <= this.#b.length)) {
      this.fail(`${what} (${n} bytes) runs outside the ${this.#b.length}-byte block`, at);
    }
  }

  spend(n: number, at: number): void {
    this.#budget -= n;
    if (this.#budget < 0) this.fail("objects overlap (shared or cyclic offsets)", at);
  }

  /** Signed, as the flatbuffers library reads offsets and lengths. */
  i32(at: number): number {
    const b = this.#b;
    return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
  }

  i16(at: number): number {
    return ((this.#b[at]! | (this.#b[at + 1]! << 8)) << 16) >> 16;
  }

  root(): void {
    this.need(0, 8, "root offset and file identifier");
    const id = String.fromCharCode(...this.#b.subarray(4, 8));
    if (id !== META_IDENTIFIER) this.fail(`file identifier is "${id}", expected "${META_IDENTIFIER}"`, 4);
    this.table(this.i32(0), META_ROOT, 0);
  }

  table(pos: number, name: string, depth: number): void {
    if (depth > META_MAX_DEPTH) this.fail(`tables nested deeper than ${META_MAX_DEPTH}`, pos);
    this.need(pos, 4, `${name} table`);
    const vt = pos - this.i32(pos);
    this.need(vt, 4, `${name} vtable`);
    const vsize = this.i16(vt);
    const tsize = this.i16(vt + 2);
    if (vsize < 4 || vsize % 2 !== 0) this.fail(`${name} vtable size ${vsize} is invalid`, vt);
    if (tsize < 4) this.fail(`${name} table size ${tsize} is invalid`, vt + 2);
    this.need(vt, vsize, `${name} vtable`);
    this.need(pos, tsize, `${name} table`);
    this.spend(tsize, pos);
    const fields = META_TABLES[name]!;
    for (let slot = 0; slot < fields.length && 4 + 2 * slot < vsize; slot++) {
      const fo = this.i16(vt + 4 + 2 * slot);
      if (fo === 0) continue;
      const type = fields[slot]!;
      const size = SCALAR_BYTES[type] ?? 4;
      if (fo < 4 || fo + size > tsize) this.fail(`${name} field ${slot} lies outside its ${tsize}-byte table`, vt);
      if (!(type in SCALAR_BYTES)) this.reference(pos + fo, type, depth);
    }
  }

  /** Checks what the uoffset at `at` points to. */
  reference(at: number, type: string, depth: number): void {
    const target = at + this.i32(at);
    if (type === "string") return this.string(target);
    if (!type.startsWith("[")) return this.table(target, type, depth + 1);
    const elem = type.slice(1, -1);
    const size = SCALAR_BYTES[elem] ?? 4;
    this.need(target, 4, `${type} vector length`);
    const n = this.i32(target);
    if (n < 0) this.fail(`${type} vector length ${n} is negative`, target);
    this.need(target + 4, n * size, `${type} vector of ${n}`);
    this.spend(4 + n * size, target);
    if (elem in SCALAR_BYTES) return;
    for (let k = 0; k < n; k++) this.reference(target + 4 + 4 * k, elem, depth);
  }

  string(at: number): void {
    this.need(at, 4, "string length");
    const n = this.i32(at);
    if (n < 0) this.fail(`string length ${n} is negative`, at);
    this.need(at + 4, n, "string");
    this.spend(4 + n, at);
  }
}

/**
 * Checks that the FlatBuffers block `meta` is safe to read with the generated accessors: every offset the
 * bitloop reader follows stays inside it. `base` is the block's file offset, used in error offsets.
 * Throws `ModelFormatError` naming the first bad offset. Values (enums, dims) are checked by the reader.
 *
 * @example
 * ```ts
 * verifyMeta(bytes.subarray(136, 136 + header.metaLength), 136); // throws on a corrupt block
 * ```
 */
export function verifyMeta(meta: Uint8Array, base = 0): void {
  new Verifier(meta, base).root();
}
