import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { exportOnnx } from "../../../src/formats/onnx/export_onnx.ts";
import { importOnnx } from "../../../src/formats/onnx/import_onnx.ts";
import type { Tensor } from "../../../src/graph/tensor.ts";
import { ortRun, ortSession } from "../../_ort.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { ZOO_MODELS, zooFeeds } from "./_zoo_feeds.ts";

/** Bytes of a numeric tensor's data, for bitwise comparison. */
function bitsOf(t: Tensor): Uint8Array {
  if (Array.isArray(t.data)) throw new TypeError("string tensor");
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

describe("importOnnx() → exportOnnx()", () => {
  for (const name of ZOO_MODELS) {
    test(`${name}: onnxruntime gives bit-identical outputs on the re-exported model`, async () => {
      const original = new Uint8Array(await readFile(zooPath(name)));
      const exported = exportOnnx(await importOnnx(original));
      const feeds = zooFeeds(name);
      const ref = await ortRun(await ortSession(original), feeds);
      const got = await ortRun(await ortSession(exported), feeds);
      expect(Object.keys(got)).toEqual(Object.keys(ref));
      for (const [key, r] of Object.entries(ref)) {
        const g = got[key]!;
        expect({ key, type: g.type, dims: [...g.dims] }).toEqual({ key, type: r.type, dims: [...r.dims] });
        expect(r.size).toBeGreaterThan(0);
        expect(Buffer.compare(bitsOf(g), bitsOf(r))).toBe(0);
      }
    });

    test(`${name}: import → export → import is lossless`, async () => {
      const first = await importOnnx(new Uint8Array(await readFile(zooPath(name))));
      const bytes = exportOnnx(first);
      const second = await importOnnx(bytes);
      expect(second).toEqual(first);
      expect(Buffer.compare(exportOnnx(second), bytes)).toBe(0);
    });
  }
});
