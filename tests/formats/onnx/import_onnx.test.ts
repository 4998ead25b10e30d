import { describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ModelFormatError, UnsupportedOpError } from "../../../src/errors.ts";
import { exportOnnx } from "../../../src/formats/onnx/export_onnx.ts";
import { importOnnx } from "../../../src/formats/onnx/import_onnx.ts";
import {
  AttributeProto_AttributeType as Kind,
  ModelProtoSchema,
  SparseTensorProtoSchema,
} from "../../../src/formats/onnx/proto/onnx_pb.ts";
import type { Model } from "../../../src/graph/graph.ts";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { ortRun, ortSession } from "../../_ort.ts";
import { attributeProto, modelBytes, nodeProto, tensorProto, valueInfo } from "./_build.ts";

const enc = new TextEncoder();

/** A model with one custom-domain node carrying `attributes`. */
function withAttributes(attributes: ReturnType<typeof attributeProto>[]): Uint8Array {
  return modelBytes({
    inputs: [valueInfo("x", 1, [1])],
    nodes: [
      nodeProto({ name: "n1", opType: "Custom", domain: "test", input: ["x"], output: ["y"], attribute: attributes }),
    ],
    outputs: [valueInfo("y", 1, [1])],
    opsets: { "": 17, test: 1 },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("importOnnx()", () => {
  test("reads attributes of every kind the IR holds, with int64 as number and bytes as UTF-8", async () => {
    const sub = {
      name: "body",
      node: [nodeProto({ opType: "Identity", input: ["x"], output: ["z"] })],
      output: [valueInfo("z", 1, [1])],
    };
    const model = await importOnnx(withAttributes([
      attributeProto({ name: "f", type: Kind.FLOAT, f: 0.25 }),
      attributeProto({ name: "i", type: Kind.INT, i: -3n }),
      attributeProto({ name: "big", type: Kind.INT, i: 2n ** 63n - 1n }),
      attributeProto({ name: "s", type: Kind.STRING, s: enc.encode("héllo") }),
      attributeProto({
        name: "t",
        type: Kind.TENSOR,
        t: tensorProto({ dataType: 7, dims: [2n], int64Data: [4n, 5n] }),
      }),
      attributeProto({ name: "g", type: Kind.GRAPH, g: sub }),
      attributeProto({ name: "fs", type: Kind.FLOATS, floats: [1.5, -2] }),
      attributeProto({ name: "is", type: Kind.INTS, ints: [1n, -(2n ** 63n)] }),
      attributeProto({ name: "ss", type: Kind.STRINGS, strings: [enc.encode("a"), enc.encode("ü")] }),
      // Old exporters leave the type unset.
      attributeProto({ name: "old", ints: [7n, 8n] }),
    ]));
    const attrs = model.graph.nodes[0]!.attributes;
    expect(attrs).toEqual({
      f: { kind: "float", value: 0.25 },
      i: { kind: "int", value: -3 },
      big: { kind: "int", value: 2 ** 63 },
      s: { kind: "string", value: "héllo" },
      t: { kind: "tensor", value: new Tensor("int64", new BigInt64Array([4n, 5n]), [2]) },
      g: {
        kind: "graph",
        value: {
          name: "body",
          inputs: [],
          outputs: [{ name: "z", dtype: "float32", shape: [1] }],
          initializers: new Map(),
          quantized: new Map(),
          nodes: [{ name: "z", op: "Identity", domain: "", inputs: ["x"], outputs: ["z"], attributes: {} }],
          valueInfo: new Map(),
        },
      },
      fs: { kind: "floats", value: [1.5, -2] },
      is: { kind: "ints", value: [1, -(2 ** 63)] },
      ss: { kind: "strings", value: ["a", "ü"] },
      old: { kind: "ints", value: [7, 8] },
    });
    // INT64_MAX/MIN survive export → import exactly.
    expect(await importOnnx(exportOnnx(model))).toEqual(model);
  });

  test("attribute kinds the IR cannot hold are an UnsupportedOpError naming op, node and attribute", async () => {
    const cases = [
      attributeProto({ name: "ts", type: Kind.TENSORS, tensors: [tensorProto({ dataType: 1, floatData: [1] })] }),
      attributeProto({ name: "gs", type: Kind.GRAPHS, graphs: [{ name: "x" }] }),
      attributeProto({ name: "sp", type: Kind.SPARSE_TENSOR, sparseTensor: { dims: [1n] } }),
      attributeProto({ name: "tp", type: Kind.TYPE_PROTO, tp: {} }),
      attributeProto({ name: "ref", type: Kind.FLOAT, refAttrName: "alpha" }),
    ];
    for (const attribute of cases) {
      const error = await rejection(importOnnx(withAttributes([attribute])));
      expect(error).toBeInstanceOf(UnsupportedOpError);
      const { op, node, attribute: name, message } = error as UnsupportedOpError;
      expect({ op, node, name }).toEqual({ op: "Custom", node: "n1", name: attribute.name });
      expect(message).toStartWith(`Custom node "n1": attribute "${attribute.name}"`);
    }
  });

  test("graph inputs that are initializers are not inputs; value_info and dims are kept", async () => {
    const model = await importOnnx(modelBytes({
      inputs: [valueInfo("x", 1, ["batch", 3, null]), valueInfo("w", 1, [3])],
      initializers: [tensorProto({ name: "w", dataType: 1, dims: [3n], floatData: [1, 2, 3] })],
      nodes: [
        nodeProto({ opType: "Mul", input: ["x", "w"], output: ["m"] }),
        nodeProto({ name: "relu", opType: "Relu", input: ["m"], output: ["y"] }),
      ],
      valueInfo: [valueInfo("m", 1, ["batch", 3, -1]), valueInfo("odd", 16, [1])],
      outputs: [valueInfo("y", 1, ["batch", 3, null])],
    }));
    expect(model.graph.inputs).toEqual([{ name: "x", dtype: "float32", shape: ["batch", 3, null] }]);
    expect([...model.graph.initializers.keys()]).toEqual(["w"]);
    // -1 ("unknown" in some exporters) reads as null; a bfloat16 hint is dropped.
    expect([...model.graph.valueInfo.values()]).toEqual([{ name: "m", dtype: "float32", shape: ["batch", 3, null] }]);
    expect(model.graph.nodes.map((n) => n.name)).toEqual(["m", "relu"]);
  });

  test("opsets, IR version, producer and metadata are read; a missing default opset names the fix", async () => {
    const parts = {
      inputs: [valueInfo("x")],
      nodes: [nodeProto({ opType: "Identity", input: ["x"], output: ["y"] })],
      outputs: [valueInfo("y")],
    };
    const model = await importOnnx(modelBytes({
      ...parts,
      opsets: { "": 13, "com.microsoft": 1 },
      irVersion: 7,
      model: {
        producerName: "unit",
        producerVersion: "1.2",
        metadataProps: [{ key: "author", value: "me" }, { key: "license", value: "MIT" }],
      },
    }));
    expect(model.opsets).toEqual({ "": 13, "com.microsoft": 1 });
    expect(model.irVersion).toBe(7);
    expect(model.producer).toEqual({ name: "unit", version: "1.2" });
    expect(model.metadata).toEqual({ author: "me", license: "MIT" });
    expect((await importOnnx(modelBytes({ ...parts, opsets: { "ai.onnx": 17 } }))).opsets).toEqual({ "ai.onnx": 17 });

    const error = await rejection(importOnnx(modelBytes({ ...parts, opsets: { "ai.onnx.ml": 3 } })));
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toContain(
      'opset_import has no entry for the default domain "" (it has: ai.onnx.ml 3)',
    );
    expect((error as Error).message).toContain('make_opsetid("", 17)');
  });

  test("Constant nodes stay nodes, and the session folds them into initializers", async () => {
    const bytes = modelBytes({
      inputs: [valueInfo("x", 1, [2])],
      nodes: [
        nodeProto({
          opType: "Constant",
          output: ["k"],
          attribute: [
            attributeProto({
              name: "value",
              type: Kind.TENSOR,
              t: tensorProto({ dataType: 1, dims: [2n], floatData: [5, 6] }),
            }),
          ],
        }),
        nodeProto({ opType: "Identity", input: ["k"], output: ["y"] }),
      ],
      outputs: [valueInfo("y", 1, [2])],
    });
    const model = await importOnnx(bytes);
    expect(model.graph.nodes.map((n) => n.op)).toEqual(["Constant", "Identity"]);
    expect(model.graph.initializers.size).toBe(0);
    const session = await InferenceSession.create(bytes);
    expect(session.model.graph.initializers.get("k")?.data).toEqual(new Float32Array([5, 6]));
  });

  test("sparse initializers, dangling names and empty graphs are ModelFormatErrors", async () => {
    const identity = nodeProto({ opType: "Identity", input: ["x"], output: ["y"] });
    const sparse = modelBytes({ inputs: [valueInfo("x")], nodes: [identity], outputs: [valueInfo("y")] });
    const proto = fromBinary(ModelProtoSchema, sparse);
    proto.graph!.sparseInitializer.push(
      create(SparseTensorProtoSchema, { values: tensorProto({ name: "sp", dataType: 1 }) }),
    );
    await expect(importOnnx(toBinary(ModelProtoSchema, proto))).rejects.toThrow(
      'Cannot load sparse initializer "sp" in graph "g": sparse tensors are not supported',
    );

    const dangling = modelBytes({ nodes: [identity], outputs: [valueInfo("y")] });
    await expect(importOnnx(dangling)).rejects.toThrow(
      'Node "y" (Identity) in graph "g" reads "x", which no node, input or initializer defines',
    );
    const noProducer = modelBytes({ inputs: [valueInfo("x")], nodes: [identity], outputs: [valueInfo("q")] });
    await expect(importOnnx(noProducer)).rejects.toThrow('Output "q" of graph "g" is not produced');
    await expect(importOnnx(modelBytes({}))).rejects.toThrow("the bytes hold no graph");
    await expect(importOnnx(modelBytes({ inputs: [valueInfo("x")], nodes: [identity] }))).rejects.toThrow(
      'graph "g" declares no outputs',
    );
    await expect(importOnnx(modelBytes({ nodes: [identity], irVersion: 0 }))).rejects.toThrow(ModelFormatError);
  });

  test("an IR-3 model (weights listed as inputs) round-trips losslessly and runs in onnxruntime", async () => {
    const model: Model = {
      irVersion: 3,
      opsets: { "": 9 },
      producer: { name: "p", version: "1" },
      metadata: { k: "v" },
      graph: {
        name: "g",
        inputs: [{ name: "x", dtype: "float32", shape: [null, 2] }],
        outputs: [{ name: "y", dtype: "float32", shape: [null, 2] }],
        initializers: new Map([["w", fromNumbers("float32", [2, -3], [2])]]),
        quantized: new Map(),
        nodes: [{ name: "mul", op: "Mul", domain: "", inputs: ["x", "w"], outputs: ["y"], attributes: {} }],
        valueInfo: new Map([["y", { name: "y", dtype: "float32", shape: [null, 2] }]]),
      },
    };
    const bytes = exportOnnx(model);
    expect(await importOnnx(bytes)).toEqual(model);
    const x = fromNumbers("float32", [1, 2, 3, 4], [2, 2]);
    const out = await ortRun(await ortSession(bytes), { x });
    expect(Array.from(out["y"]!.data as Float32Array)).toEqual([2, -6, 6, -12]);
  });
});
