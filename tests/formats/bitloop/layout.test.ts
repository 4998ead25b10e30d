import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ModelFormatError } from "../../../src/errors.ts";
import { detectFormat } from "../../../src/formats/load.ts";
import {
  align64,
  BITLOOP_ALIGNMENT,
  BITLOOP_HEADER_SIZE,
  BITLOOP_MAGIC,
  BITLOOP_VERSION,
  dataOffsetOf,
  decodeHeader,
  encodeHeader,
  HEADER_OFFSETS,
  isBareFileName,
  metaChecksumInput,
} from "../../../src/formats/bitloop/layout.ts";
import { readBitloop } from "../../../src/formats/bitloop/read.ts";
import { addTsExtensions } from "../../../src/formats/bitloop/schema/generate.ts";
import { META_IDENTIFIER, META_ROOT, META_TABLES } from "../../../src/formats/bitloop/verify_meta.ts";
import { writeBitloop } from "../../../src/formats/bitloop/write.ts";
import { sampleModel } from "./_sample_model.ts";

const SCHEMA_DIR = new URL("../../../src/formats/bitloop/schema/", import.meta.url).pathname;

async function digest(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

async function expectFormatError(p: Promise<unknown>, pattern: RegExp): Promise<ModelFormatError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ModelFormatError);
  expect((error as Error).message).toMatch(pattern);
  return error as ModelFormatError;
}

describe("bitloop layout", () => {
  test("the header fields are contiguous and add up to the 136-byte header (layout items 1.1–1.10)", () => {
    const sizes = {
      magic: 8,
      major: 2,
      minor: 2,
      flags: 4,
      metaLength: 8,
      dataLength: 8,
      sidecarLength: 8,
      metaSha256: 32,
      dataSha256: 32,
      sidecarSha256: 32,
    };
    let at = 0;
    for (const [key, size] of Object.entries(sizes)) {
      expect({ key, at: HEADER_OFFSETS[key as keyof typeof HEADER_OFFSETS] }).toEqual({ key, at });
      at += size;
    }
    expect(at).toBe(BITLOOP_HEADER_SIZE);
    expect(Object.keys(HEADER_OFFSETS)).toEqual(Object.keys(sizes));
    expect(BITLOOP_MAGIC).toEqual([..."BITLOOP\0"].map((c) => c.charCodeAt(0)));
    expect(BITLOOP_ALIGNMENT).toBe(64);
    expect(BITLOOP_VERSION).toEqual({ major: 1, minor: 2 });
  });

  test("dataOffsetOf() rounds the end of the FlatBuffers block up to 64", () => {
    expect(dataOffsetOf(0)).toBe(192);
    expect(dataOffsetOf(56)).toBe(192);
    expect(dataOffsetOf(57)).toBe(256);
    expect(align64(64)).toBe(64);
    expect(align64(65)).toBe(128);
  });

  test("a written file has each block where the header says, with matching sizes and checksums", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([...bytes.subarray(0, 8)]).toEqual([...BITLOOP_MAGIC]);
    expect(view.getUint16(8, true)).toBe(1);
    expect(view.getUint16(10, true)).toBe(2);
    expect(view.getUint32(12, true)).toBe(0);
    const metaLength = Number(view.getBigUint64(16, true));
    const dataLength = Number(view.getBigUint64(24, true));
    expect(view.getBigUint64(32, true)).toBe(0n);
    const meta = bytes.subarray(136, 136 + metaLength);
    expect(String.fromCharCode(...meta.subarray(4, 8))).toBe(META_IDENTIFIER);
    const dataOffset = Math.ceil((136 + metaLength) / 64) * 64;
    expect(bytes.length).toBe(dataOffset + dataLength);
    expect(bytes.subarray(136 + metaLength, dataOffset).every((b) => b === 0)).toBe(true);
    const covered = new Uint8Array(40 + metaLength);
    covered.set(bytes.subarray(0, 40));
    covered.set(meta, 40);
    expect([...bytes.subarray(40, 72)]).toEqual([...(await digest(covered))]);
    expect([...bytes.subarray(72, 104)]).toEqual([...(await digest(bytes.subarray(dataOffset)))]);
    expect(bytes.subarray(104, 136).every((b) => b === 0)).toBe(true);
    expect(detectFormat(bytes)).toBe("bitloop");
  });

  test("with external data the header records the sidecar's length and sha256 and the flag", async () => {
    const { model: bytes, sidecar } = await writeBitloop(sampleModel(), { externalData: true });
    const header = decodeHeader(bytes);
    expect(header.flags).toBe(1);
    expect(header.dataLength).toBe(0);
    expect(header.sidecarLength).toBe(sidecar!.length);
    expect([...header.sidecarSha256]).toEqual([...(await digest(sidecar!))]);
    expect([...header.dataSha256]).toEqual([...(await digest(new Uint8Array()))]);
    expect(bytes.length).toBe(dataOffsetOf(header.metaLength));
  });

  test("encodeHeader() and decodeHeader() are inverses", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const header = decodeHeader(bytes);
    expect(Buffer.compare(encodeHeader(header), bytes.subarray(0, BITLOOP_HEADER_SIZE))).toBe(0);
  });

  test("a newer minor version is read; an unknown major is rejected naming both versions", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const newer = bytes.slice();
    const header = decodeHeader(newer);
    header.minor = 7;
    newer.set(encodeHeader(header)); // header bytes 0..40 are under metaSha256: reseal
    const meta = newer.subarray(136, 136 + header.metaLength);
    header.metaSha256 = await digest(metaChecksumInput(newer, meta));
    newer.set(encodeHeader(header));
    expect((await readBitloop(newer)).graph.nodes.length).toBe(3);
    const unsealed = bytes.slice();
    new DataView(unsealed.buffer).setUint16(10, 7, true);
    await expectFormatError(readBitloop(unsealed), /header and FlatBuffers block do not match their sha256/);
    const major = bytes.slice();
    new DataView(major.buffer).setUint16(8, 2, true);
    const error = await expectFormatError(
      readBitloop(major),
      /version 2\.2: this reader reads version 1\.x \(newest 1\.2\)/,
    );
    expect(error.offset).toBe(8);
    expect(error.format).toBe("bitloop");
  });

  test("wrong magic, unknown flags, short and long files are ModelFormatErrors that say why", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const magic = bytes.slice();
    magic[3] = 0x21;
    await expectFormatError(readBitloop(magic), /Not a bitloop file/);
    await expectFormatError(readBitloop(new Uint8Array()), /Not a bitloop file/);
    const flags = bytes.slice();
    flags[12] = 0x4;
    await expectFormatError(readBitloop(flags), /Unknown header flags 0x4/);
    await expectFormatError(readBitloop(bytes.subarray(0, 100)), /header alone needs 136/);
    await expectFormatError(readBitloop(bytes.subarray(0, bytes.length - 1)), /Truncated bitloop file.*describes/);
    const long = new Uint8Array(bytes.length + 1);
    long.set(bytes);
    await expectFormatError(readBitloop(long), /Trailing bytes/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setBigUint64(24, 2n ** 62n, true);
    await expectFormatError(readBitloop(huge), /out of range/);
  });

  test("isBareFileName() accepts plain names only", () => {
    for (const ok of ["m.weight", "a b.bitloop.weight", ".hidden", "ü.weight"]) expect(isBareFileName(ok)).toBe(true);
    for (const bad of ["", ".", "..", "a/b", "/abs", "..\\x", "c:x", "nul\0", "x".repeat(256)]) {
      expect(isBareFileName(bad)).toBe(false);
    }
  });
});

/** Table fields from the .fbs text, mapped to verify_meta's type names. */
function parseSchema(text: string): Record<string, string[]> {
  const src = text.replace(/\/\/.*$/gm, "");
  const scalars: Record<string, string> = {
    ubyte: "u8",
    bool: "bool",
    ushort: "u16",
    int: "i32",
    uint: "u32",
    long: "i64",
    ulong: "u64",
    float: "f32",
    double: "f64",
    string: "string",
  };
  for (const m of src.matchAll(/enum\s+(\w+)\s*:\s*(\w+)/g)) scalars[m[1]!] = scalars[m[2]!]!;
  const tables: Record<string, string[]> = {};
  for (const m of src.matchAll(/table\s+(\w+)\s*\{([^}]*)\}/g)) {
    tables[m[1]!] = [...m[2]!.matchAll(/(\w+)\s*:\s*(\[?)(\w+)\]?/g)].map(([, , vec, type]) => {
      const t = scalars[type!] ?? type!;
      return vec ? `[${t}]` : t;
    });
  }
  return tables;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n)) : [join(dir, n)]
  );
}

describe("bitloop schema", () => {
  test("the verifier's table descriptions match bitloop.fbs field by field", () => {
    const text = readFileSync(join(SCHEMA_DIR, "bitloop.fbs"), "utf8");
    expect(parseSchema(text)).toEqual(META_TABLES as Record<string, string[]>);
    expect(text).toMatch(new RegExp(`root_type ${META_ROOT};`));
    expect(text).toMatch(new RegExp(`file_identifier "${META_IDENTIFIER}";`));
  });

  test("the generated TypeScript imports carry .ts extensions and match the schema's tables", () => {
    const files = listFiles(join(SCHEMA_DIR, "generated"));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(/from\s+'([^']+)'/g)) {
        if (m[1] !== "flatbuffers") expect(m[1]).toMatch(/^\.\.?\/.*\.ts$/);
      }
    }
    for (const [table, fields] of Object.entries(META_TABLES)) {
      const kebab = table.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
      const source = readFileSync(join(SCHEMA_DIR, "generated/bitloop/fb", `${kebab}.ts`), "utf8");
      expect(source).toContain(`builder.startObject(${fields.length})`);
    }
  });

  test("addTsExtensions() rewrites relative specifiers only, once", () => {
    const src =
      `import * as flatbuffers from 'flatbuffers';\nimport { A } from '../../bitloop/fb/a';\nexport { B } from './bitloop/fb/b';`;
    const out = addTsExtensions(src);
    expect(out).toBe(
      `import * as flatbuffers from 'flatbuffers';\nimport { A } from '../../bitloop/fb/a.ts';\nexport { B } from './bitloop/fb/b.ts';`,
    );
    expect(addTsExtensions(out)).toBe(out);
  });
});
