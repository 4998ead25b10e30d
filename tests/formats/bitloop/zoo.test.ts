// Every zoo model through ONNX → IR → bitloop → IR: lossless (inline and with a sidecar), aligned, loadable
// by path, and giving bit-identical outputs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedOpError } from "../../../src/errors.ts";
import { detectFormat, loadModel } from "../../../src/formats/load.ts";
import { decodeHeader } from "../../../src/formats/bitloop/layout.ts";
import { readBitloop } from "../../../src/formats/bitloop/read.ts";
import { writeBitloop } from "../../../src/formats/bitloop/write.ts";
import { exportOnnx } from "../../../src/formats/onnx/export_onnx.ts";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { ortRun, ortSession } from "../../_ort.ts";
import { randomTensor } from "../../_random.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { allTensors, canonicalModel } from "./_canonical.ts";

const MODELS = ["silero_v5", "silero_legacy", "silero_op18_ifless", "ppocr_det", "ppocr_rec", "ppocr_cls"] as const;

/** Small seeded inputs (images smaller than usual so the reference runtime stays fast). */
function feeds(name: (typeof MODELS)[number]): Record<string, Tensor> {
  const sr = fromNumbers("int64", [16000], []);
  switch (name) {
    case "ppocr_det":
      return { x: randomTensor([1, 3, 64, 64], 1) };
    case "ppocr_rec":
      return { x: randomTensor([1, 3, 48, 96], 2) };
    case "ppocr_cls":
      return { x: randomTensor([1, 3, 48, 192], 3) };
    case "silero_v5":
      return { input: randomTensor([1, 512], 4, -0.5, 0.5), state: Tensor.zeros("float32", [2, 1, 128]), sr };
    case "silero_legacy":
      return {
        input: randomTensor([1, 512], 5, -0.5, 0.5),
        sr,
        h: Tensor.zeros("float32", [2, 1, 64]),
        c: Tensor.zeros("float32", [2, 1, 64]),
      };
    case "silero_op18_ifless":
      return { input: randomTensor([1, 576], 6, -0.5, 0.5), sr, state: Tensor.zeros("float32", [2, 1, 128]) };
  }
}

function bitsOf(t: Tensor): Buffer {
  const data = t.data as Uint8Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function expectSameOutputs(got: Record<string, Tensor>, ref: Record<string, Tensor>): void {
  expect(Object.keys(got)).toEqual(Object.keys(ref));
  for (const [key, r] of Object.entries(ref)) {
    const g = got[key]!;
    expect({ key, type: g.type, dims: [...g.dims] }).toEqual({ key, type: r.type, dims: [...r.dims] });
    expect(Buffer.compare(bitsOf(g), bitsOf(r))).toBe(0);
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bitloop-zoo-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("zoo models through bitloop", () => {
  for (const name of MODELS) {
    test(`${name}: ONNX → IR → bitloop → IR is lossless, with every tensor viewed at a 64-aligned offset`, async () => {
      const first = await loadModel(zooPath(name));
      const { model: bytes } = await writeBitloop(first);
      const back = await readBitloop(bytes);
      expect(canonicalModel(back)).toEqual(canonicalModel(first));
      const tensors = allTensors(back.graph).filter((t) => t.type !== "string");
      expect(tensors.length).toBeGreaterThan(0);
      for (const t of tensors) {
        expect((t.data as Uint8Array).buffer).toBe(bytes.buffer);
        expect((t.data as Uint8Array).byteOffset % 64).toBe(0);
      }
      // The IR is equal, so the ONNX exported from it is byte-identical too.
      expect(Buffer.compare(exportOnnx(back), exportOnnx(first))).toBe(0);
    });

    test(`${name}: the external-data variant round-trips through files loaded by path`, async () => {
      const first = await loadModel(zooPath(name));
      const { model: bytes, sidecar } = await writeBitloop(first, {
        externalData: true,
        sidecarName: `${name}.bitloop.weight`,
      });
      expect(decodeHeader(bytes).sidecarLength).toBe(sidecar!.length);
      await writeFile(join(dir, `${name}.bitloop`), bytes);
      await writeFile(join(dir, `${name}.bitloop.weight`), sidecar!);
      const back = await loadModel(join(dir, `${name}.bitloop`));
      expect(canonicalModel(back)).toEqual(canonicalModel(first));
      for (const t of allTensors(back.graph)) {
        if (t.type !== "string") expect((t.data as Uint8Array).byteOffset % 64).toBe(0);
      }
      expect(detectFormat(new Uint8Array(await readFile(join(dir, `${name}.bitloop`))))).toBe("bitloop");
    });

    test(`${name}: onnxruntime gives bit-identical outputs on the model after a bitloop round trip`, async () => {
      const original = new Uint8Array(await readFile(zooPath(name)));
      const back = await readBitloop((await writeBitloop(await loadModel(original))).model);
      const x = feeds(name);
      expectSameOutputs(
        await ortRun(await ortSession(exportOnnx(back)), x),
        await ortRun(await ortSession(original), x),
      );
    });

    test(`${name}: InferenceSession gives bit-identical outputs before and after a bitloop round trip`, async () => {
      let before: InferenceSession;
      try {
        before = await InferenceSession.create(await loadModel(zooPath(name)));
      } catch (error) {
        if (!(error instanceof UnsupportedOpError)) throw error;
        console.warn(`${name}: runtime comparison skipped until the runtime supports ${error.op}`);
        return;
      }
      const back = await readBitloop((await writeBitloop(await loadModel(zooPath(name)))).model);
      const after = await InferenceSession.create(back);
      const x = feeds(name);
      expectSameOutputs(await after.run(x), await before.run(x));
    });
  }
});
