/**
 * A structural comparison of two FlatBuffers trees (`flatbuffer_tree.ts`): table by table and slot by
 * slot, whether each field is stored and, when it is, that its value is the same — scalars bit for bit,
 * strings and scalar vectors byte for byte, vectors of tables and strings element by element. Byte
 * layout (field order, padding, vtable sharing) is not compared: two files that differ only in it are
 * the same to any FlatBuffers reader. Used to prove the MNN writer re-writes a file faithfully.
 * @module
 */
import type { FbField, FbTable } from "./flatbuffer_tree.ts";

/** Options for {@link diffFlatBufferTrees}. */
export interface DiffFlatBufferTreesOptions {
  /**
   * Stop after this many differences.
   * @default 20
   */
  limit?: number;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The differences between trees `a` and `b`, each as `path: what` (e.g.
 * `Net.3[12].2(Convolution2D).1: vector of 1728 bytes vs 864 bytes`); empty when they hold the same
 * fields with the same values.
 *
 * @example
 * ```ts
 * const t = { type: "T", fields: [{ kind: "scalar" as const, bits: 1 }] };
 * const u = { type: "T", fields: [{ kind: "scalar" as const, bits: 2 }] };
 * if (diffFlatBufferTrees(t, u).length !== 1 || diffFlatBufferTrees(t, t).length !== 0) throw new Error("diff");
 * ```
 */
export function diffFlatBufferTrees(a: FbTable, b: FbTable, options: DiffFlatBufferTreesOptions = {}): string[] {
  const limit = options.limit ?? 20;
  const out: string[] = [];
  const report = (path: string, what: string) => {
    if (out.length < limit) out.push(`${path}: ${what}`);
  };
  const table = (x: FbTable, y: FbTable, path: string): void => {
    if (x.type !== y.type) return report(path, `table ${x.type} vs ${y.type}`);
    const slots = Math.max(x.fields.length, y.fields.length);
    for (let slot = 0; slot < slots && out.length < limit; slot++) {
      field(x.fields[slot], y.fields[slot], `${path}.${slot}`);
    }
  };
  const field = (x: FbField | undefined, y: FbField | undefined, path: string): void => {
    if (x === undefined || y === undefined) {
      if (x !== y) report(path, x === undefined ? "absent vs stored" : "stored vs absent");
      return;
    }
    if (x.kind !== y.kind) return report(path, `${x.kind} vs ${y.kind}`);
    switch (x.kind) {
      case "scalar":
        if (BigInt(x.bits) !== BigInt((y as typeof x).bits)) report(path, `bits ${x.bits} vs ${(y as typeof x).bits}`);
        return;
      case "string":
      case "vector": {
        const yb = (y as typeof x).bytes;
        if (!equalBytes(x.bytes, yb)) report(path, `${x.kind} of ${x.bytes.length} bytes differs (${yb.length} bytes)`);
        return;
      }
      case "table":
        return table(x.table, (y as typeof x).table, `${path}(${x.table.type})`);
      case "strings":
      case "tables": {
        const yi = (y as typeof x).items;
        if (x.items.length !== yi.length) return report(path, `${x.items.length} vs ${yi.length} elements`);
        x.items.forEach((item, k) => {
          const other = yi[k]!;
          if (x.kind === "tables") table(item as FbTable, other as FbTable, `${path}[${k}]`);
          else if (!equalBytes(item as Uint8Array, other as Uint8Array)) report(`${path}[${k}]`, "string differs");
        });
        return;
      }
    }
  };
  table(a, b, a.type);
  return out;
}
