import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { ModelFormatError } from "../../../src/errors.ts";
import { importOnnx } from "../../../src/formats/onnx/import_onnx.ts";
import { seededRandom } from "../../_random.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { ZOO_MODELS } from "./_zoo_feeds.ts";

/** "ok" when the bytes import, "format" for a ModelFormatError; any other error fails the test. */
async function outcome(bytes: Uint8Array, label: string): Promise<"ok" | "format"> {
  try {
    await importOnnx(bytes);
    return "ok";
  } catch (error) {
    if (error instanceof ModelFormatError) return "format";
    const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`${label}: expected a ModelFormatError, got ${shown}`, { cause: error });
  }
}

/** Copies `bytes` and flips 1–4 random bits, anywhere or near either end (where the graph's structure is). */
function flipBits(bytes: Uint8Array, next: () => number, variant: number): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + Math.floor(next() * 4);
  const span = Math.min(4096, out.length);
  for (let i = 0; i < flips; i++) {
    const at = variant % 3 === 0
      ? Math.floor(next() * out.length)
      : variant % 3 === 1
      ? Math.floor(next() * span)
      : out.length - 1 - Math.floor(next() * span);
    out[at]! ^= 1 << Math.floor(next() * 8);
  }
  return out;
}

describe("importOnnx() on corrupt input", () => {
  for (const name of ZOO_MODELS) {
    test(`${name}: truncation is a ModelFormatError; random bit flips either import or are one`, async () => {
      const bytes = new Uint8Array(await readFile(zooPath(name)));
      for (const fraction of [0.1, 0.5, 0.99]) {
        const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
        expect({ fraction, result: await outcome(cut, `${name} cut at ${fraction}`) }).toEqual({
          fraction,
          result: "format",
        });
      }
      const next = seededRandom(0xb17 + name.length);
      const seen = new Set<string>();
      for (let variant = 0; variant < 20; variant++) {
        seen.add(await outcome(flipBits(bytes, next, variant), `${name} flip variant ${variant}`));
      }
      expect(seen.size).toBeGreaterThan(0);
    });
  }

  test("empty bytes, random bytes, a text file and a JPEG header are ModelFormatErrors", async () => {
    await expect(importOnnx(new Uint8Array(0))).rejects.toThrow(
      new ModelFormatError("onnx", "Cannot parse ONNX model: the file is empty"),
    );
    for (let seed = 1; seed <= 30; seed++) {
      const next = seededRandom(seed);
      const random = Uint8Array.from({ length: 1 + Math.floor(next() * 4096) }, () => Math.floor(next() * 256));
      expect({ seed, result: await outcome(random, `random bytes, seed ${seed}`) }).toEqual({ seed, result: "format" });
    }
    const text = new Uint8Array(await readFile(zooPath("ppocr_keys")));
    await expect(importOnnx(text)).rejects.toThrow(ModelFormatError);
    await expect(importOnnx(new TextEncoder().encode('{"graph": {"node": []}}'))).rejects.toThrow(ModelFormatError);
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00]);
    await expect(importOnnx(jpeg)).rejects.toThrow(ModelFormatError);
  });

  test("a parse failure says so and keeps the parser's error as its cause", async () => {
    const bytes = new Uint8Array(await readFile(zooPath("ppocr_cls")));
    let error: unknown;
    try {
      await importOnnx(bytes.subarray(0, bytes.length >> 1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).format).toBe("onnx");
    expect((error as Error).message).toStartWith("Cannot parse ONNX model: ");
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
