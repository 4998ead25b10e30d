import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelFormatError } from "../../../src/errors.ts";
import { loadModel } from "../../../src/formats/load.ts";
import { importOnnx } from "../../../src/formats/onnx/import_onnx.ts";
import { TensorProto_DataLocation } from "../../../src/formats/onnx/proto/onnx_pb.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { ortRun, ortSession } from "../../_ort.ts";
import { attributeProto, modelBytes, nodeProto, tensorProto, valueInfo } from "./_build.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function externalTensor(name: string, dims: bigint[], entries: Record<string, string>) {
  return tensorProto({
    name,
    dataType: 1,
    dims,
    dataLocation: TensorProto_DataLocation.EXTERNAL,
    externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
  });
}

/** y = (a + b) + c, with a and b external initializers and c an external Constant attribute. */
function externalModel(location: string, c: Record<string, string> = { location, offset: "32", length: "8" }) {
  return modelBytes({
    initializers: [
      externalTensor("a", [2n], { location, offset: "0", length: "8" }),
      // No length: from the offset to the end of the file.
      externalTensor("b", [2n], { location, offset: "40" }),
    ],
    nodes: [
      nodeProto({
        opType: "Constant",
        output: ["c"],
        attribute: [attributeProto({ name: "value", type: 4, t: externalTensor("", [2n], c) })],
      }),
      nodeProto({ opType: "Add", input: ["a", "b"], output: ["ab"] }),
      nodeProto({ opType: "Add", input: ["ab", "c"], output: ["y"] }),
    ],
    outputs: [valueInfo("y", 1, [2])],
  });
}

const DATA = new Float32Array([1, 2, 0, 0, 0, 0, 0, 0, 30, 40, 100, 200]); // a @0, c @32, b @40

async function writeModel(model: Uint8Array, weights: Uint8Array, weightsName = "weights.bin"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bitloop-onnx-"));
  dirs.push(dir);
  await writeFile(join(dir, "model.onnx"), model);
  await writeFile(join(dir, weightsName), weights);
  return join(dir, "model.onnx");
}

describe("ONNX external data", () => {
  test("loadModel(path) reads external initializers and Constant tensors beside the model, as onnxruntime does", async () => {
    const path = await writeModel(externalModel("weights.bin"), new Uint8Array(DATA.buffer));
    const model = await loadModel(path);
    expect(model.graph.initializers.get("a")).toEqual(new Tensor("float32", new Float32Array([1, 2]), [2]));
    expect(model.graph.initializers.get("b")).toEqual(new Tensor("float32", new Float32Array([100, 200]), [2]));
    const constant = model.graph.nodes.find((n) => n.op === "Constant")!;
    expect(constant.name).toBe("c");
    expect(constant.attributes["value"]).toEqual({
      kind: "tensor",
      value: new Tensor("float32", new Float32Array([30, 40]), [2]),
    });
    const ref = await ortRun(await ortSession(path), {});
    expect(Array.from(ref["y"]!.data as Float32Array)).toEqual([131, 242]);
  });

  test("a location in a subdirectory is read through readExternal, once per file", async () => {
    const reads: string[] = [];
    const model = await importOnnx(externalModel("sub/w.bin"), {
      readExternal: (location) => {
        reads.push(location);
        return Promise.resolve(new Uint8Array(DATA.buffer));
      },
    });
    expect(reads).toEqual(["sub/w.bin"]);
    expect(model.graph.initializers.get("b")?.data).toEqual(new Float32Array([100, 200]));
  });

  test("absolute locations and locations with .. are refused before anything is read", async () => {
    for (const location of ["/etc/passwd", "../weights.bin", "sub/../../weights.bin", "C:\\weights.bin", "..\\w.bin"]) {
      let read = false;
      const promise = importOnnx(externalModel(location), {
        readExternal: () => {
          read = true;
          return Promise.resolve(new Uint8Array(DATA.buffer));
        },
      });
      await expect(promise).rejects.toThrow(ModelFormatError);
      await expect(promise).rejects.toThrow(`external data location "${location}" must be a relative path`);
      expect(read).toBe(false);
    }
  });

  test("a missing file, a range past its end, a bad offset or no reader are ModelFormatErrors naming the tensor", async () => {
    const path = await writeModel(externalModel("weights.bin"), new Uint8Array(DATA.buffer), "other.bin");
    await expect(loadModel(path)).rejects.toThrow(
      'Cannot load tensor "a": cannot read external data file "weights.bin"',
    );

    const short = await writeModel(externalModel("weights.bin"), new Uint8Array(DATA.buffer).slice(0, 36));
    await expect(loadModel(short)).rejects.toThrow(
      'Cannot load tensor "b": external data "weights.bin" holds 36 bytes; offset 40 runs past its end',
    );

    const wrongLength = externalModel("w.bin", { location: "w.bin", offset: "32", length: "12" });
    const readExternal = () => Promise.resolve(new Uint8Array(DATA.buffer));
    await expect(importOnnx(wrongLength, { readExternal })).rejects.toThrow(
      'Cannot load tensor "c.value": expected 8 bytes, found 12',
    );

    const badOffset = externalModel("w.bin", { location: "w.bin", offset: "-4" });
    await expect(importOnnx(badOffset, { readExternal })).rejects.toThrow(
      'external data offset "-4" is not a byte count',
    );

    await expect(importOnnx(externalModel("w.bin"))).rejects.toThrow(
      'Cannot load tensor "a": it is stored in external file "w.bin"',
    );
  });
});
