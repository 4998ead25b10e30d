// Files read into a Node/Bun `Buffer` (what `readFileSync` returns) decode like the same bytes in a plain
// Uint8Array. `Buffer.prototype.slice` returns a view, not a copy, so `buf.slice(a, b).buffer` is the whole
// file: every reader that copies tensor bytes must not rely on `slice` (regression: .npy inputs read into a
// Buffer decoded the header as data, and PP-OCR rec read MNN's "Hello World 42" line as "燈乾T").
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { readBitloop } from "../../src/formats/bitloop/read.ts";
import { writeBitloop } from "../../src/formats/bitloop/write.ts";
import { readMnnWeights } from "../../src/formats/mnn/mod.ts";
import { readNpy } from "../../src/formats/npy/read_npy.ts";
import { writeNpy } from "../../src/formats/npy/write_npy.ts";
import { emptyGraph, type Model } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { HAVE_MNN, MNN_DIR } from "../_shared_mnn.ts";

/** `bytes` inside a Buffer at an odd byte offset, the way a pooled or sliced Buffer holds a file. */
function oddBuffer(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([7]), Buffer.from(bytes)]).subarray(1);
}

const values = Float32Array.from({ length: 24 }, (_, i) => i * 0.25 - 3);

describe("readers given a Buffer", () => {
  test("readNpy decodes the data, not the header, from a Buffer at any offset", () => {
    const file = writeNpy(new Tensor("float32", values, [2, 3, 4]));
    for (const bytes of [Buffer.from(file), oddBuffer(file)]) {
      const t = readNpy(bytes);
      expect([...t.dims]).toEqual([2, 3, 4]);
      expect(Array.from(t.data as Float32Array)).toEqual(Array.from(values));
    }
  });

  test("readBitloop copies unaligned tensors out of a Buffer correctly", async () => {
    const graph = emptyGraph("g");
    graph.inputs.push({ name: "x", dtype: "float32", shape: [2, 3, 4] });
    graph.outputs.push({ name: "y", dtype: "float32", shape: [2, 3, 4] });
    graph.initializers.set("w", new Tensor("float32", values, [2, 3, 4]));
    graph.nodes.push({ name: "add", op: "Add", domain: "", inputs: ["x", "w"], outputs: ["y"], attributes: {} });
    const model: Model = {
      graph,
      opsets: { "": 17 },
      irVersion: 8,
      producer: { name: "t", version: "1" },
      metadata: {},
    };
    const { model: file } = await writeBitloop(model);
    for (const copy of [false, true]) {
      const read = await readBitloop(oddBuffer(file), { copy });
      expect(Array.from(read.graph.initializers.get("w")!.data as Float32Array)).toEqual(Array.from(values));
    }
  });

  test.skipIf(!HAVE_MNN)("readMnnWeights reads the same weights from a Buffer as from a Uint8Array", async () => {
    const file = readFileSync(`${MNN_DIR}/cls.mnn`);
    const fromBuffer = await readMnnWeights(oddBuffer(file));
    const fromArray = await readMnnWeights(new Uint8Array(file));
    const weights = (net: typeof fromArray) => net.ops.flatMap((op) => Array.from(op.convolution?.weight ?? []));
    expect(weights(fromBuffer).length).toBeGreaterThan(1000);
    expect(weights(fromBuffer)).toEqual(weights(fromArray));
  });
});
