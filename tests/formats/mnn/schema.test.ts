// The MNN schema bitloop wrote (src/formats/mnn/schema/mnn.fbs), its generated TypeScript and the
// verifier's description of it agree slot by slot, and with the format facts in DESIGN.md §6.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MNN_ROOT, MNN_TABLES, MNN_UNIONS, mnnOpTypeName } from "../../../src/formats/mnn/mod.ts";
import { OpParameter } from "../../../src/formats/mnn/schema/generated/mnn_generated.ts";

const SCHEMA_DIR = fileURLToPath(new URL("../../../src/formats/mnn/schema/", import.meta.url));

/** Tables of the .fbs text by slot, in the verifier's notation (union fields take two slots). */
function parseSchema(
  text: string,
): { tables: Record<string, string[]>; unions: Record<string, Record<number, string>> } {
  const src = text.replace(/\/\/.*$/gm, "");
  const scalars: Record<string, string> = {
    byte: "i8",
    ubyte: "u8",
    bool: "bool",
    ushort: "u16",
    int: "i32",
    uint: "u32",
    long: "i64",
    float: "f32",
    string: "string",
  };
  for (const m of src.matchAll(/enum\s+(\w+)\s*:\s*(\w+)/g)) scalars[m[1]!] = scalars[m[2]!]!;
  const unions: Record<string, Record<number, string>> = {};
  for (const m of src.matchAll(/union\s+(\w+)\s*\{([^}]*)\}/g)) {
    unions[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/(\w+)\s*=\s*(\d+)/g)].map(([, t, v]) => [Number(v), t!]));
  }
  const tables: Record<string, string[]> = {};
  for (const m of src.matchAll(/table\s+(\w+)\s*\{([^}]*)\}/g)) {
    const slots: string[] = [];
    for (const f of m[2]!.matchAll(/(\w+)\s*:\s*(\[?)(\w+)\]?[^;(]*\(([^)]*)\)\s*;/g)) {
      const [, , vec, type, attrs] = f;
      const id = Number(/id:\s*(\d+)/.exec(attrs!)![1]);
      if (type! in unions) {
        slots[id - 1] = "u8";
        slots[id] = `union ${type}`;
        continue;
      }
      const t = scalars[type!] ?? type!;
      slots[id] = attrs!.includes("deprecated") ? "-" : vec ? `[${t}]` : t;
    }
    tables[m[1]!] = slots;
  }
  return { tables, unions };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n)) : [join(dir, n)]
  );
}

describe("MNN schema", () => {
  const text = readFileSync(join(SCHEMA_DIR, "mnn.fbs"), "utf8");

  test("the verifier's table and union descriptions match mnn.fbs slot by slot", () => {
    const parsed = parseSchema(text);
    expect(parsed.tables).toEqual(MNN_TABLES as Record<string, string[]>);
    expect(parsed.unions).toEqual(MNN_UNIONS as Record<string, Record<number, string>>);
    expect(text).toMatch(new RegExp(`root_type ${MNN_ROOT};`));
    expect(text).not.toMatch(/file_identifier/);
  });

  test("slots follow DESIGN.md §6: Net 3 oplists, Op 1/2 main union, Convolution2D 3 quanParameter, IDSTQuan 15", () => {
    const { tables } = parseSchema(text);
    expect(tables["Net"]![3]).toBe("[Op]");
    expect(tables["Net"]![7]).toBe("[string]");
    expect(tables["Net"]![11]).toBe("string");
    expect(tables["Op"]!.slice(0, 3)).toEqual(["[i32]", "u8", "union OpParameter"]);
    expect(tables["Op"]![5]).toBe("i32");
    expect(tables["Op"]![7]).toBe("string");
    expect(tables["Convolution2D"]).toEqual(["Convolution2DCommon", "[f32]", "[f32]", "IDSTQuan", "-", "-", "[i64]"]);
    expect(tables["Convolution2DCommon"]!.length).toBe(17);
    expect(tables["IDSTQuan"]!.length).toBe(16);
    expect(tables["IDSTQuan"]![14]).toBe("[u16]");
    expect(OpParameter.Convolution2D as number).toBe(9);
  });

  test("the generated TypeScript imports carry .ts extensions and has one slot per schema field", () => {
    const files = listFiles(join(SCHEMA_DIR, "generated"));
    expect(files.length).toBeGreaterThanOrEqual(Object.keys(MNN_TABLES).length);
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(/from\s+'([^']+)'/g)) {
        if (m[1] !== "flatbuffers") expect(m[1]).toMatch(/^\.\.?\/.*\.ts$/);
      }
    }
    const byClass = new Map<string, string>();
    for (const file of files) {
      const m = /export class (\w+) \{/.exec(readFileSync(file, "utf8"));
      if (m) byClass.set(m[1]!, readFileSync(file, "utf8"));
    }
    for (const [table, fields] of Object.entries(MNN_TABLES)) {
      expect(byClass.get(table)).toContain(`builder.startObject(${fields.length})`);
    }
  });

  test("mnnOpTypeName() names the op types DESIGN.md §6 lists", () => {
    const expected: Record<number, string> = {
      12: "Convolution",
      13: "ConvolutionDepthwise",
      17: "Deconvolution",
      18: "DeconvolutionDepthwise",
      33: "InnerProduct",
      34: "Input",
      38: "LSTM",
      39: "MatMul",
      47: "Pooling",
      69: "ReLU",
      70: "ReLU6",
    };
    for (const [type, name] of Object.entries(expected)) expect(mnnOpTypeName(Number(type))).toBe(name);
    expect(mnnOpTypeName(604)).toBe("GridSample");
    expect(mnnOpTypeName(700)).toBe("OpType#700");
  });
});
