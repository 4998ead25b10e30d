import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import type { InferenceSession } from "onnxruntime-node";
import { fromBinary } from "@bufbuild/protobuf";
import { importOnnx } from "../../../src/formats/onnx/import_onnx.ts";
import { type GraphProto, ModelProtoSchema } from "../../../src/formats/onnx/proto/onnx_pb.ts";
import type { Graph, ValueInfo } from "../../../src/graph/graph.ts";
import { foldConstantNodes } from "../../../src/graph/passes/fold_constant_nodes.ts";
import { ortSession } from "../../_ort.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { ZOO_MODELS } from "./_zoo_feeds.ts";

/** Op type → count over a graph and all its subgraphs. */
function opCounts(graph: Graph, counts = new Map<string, number>()): Map<string, number> {
  for (const node of graph.nodes) {
    counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
    for (const a of Object.values(node.attributes)) if (a.kind === "graph") opCounts(a.value, counts);
  }
  return counts;
}

function protoOpCounts(graph: GraphProto, counts = new Map<string, number>()): Map<string, number> {
  for (const node of graph.node) {
    counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
    for (const a of node.attribute) if (a.g) protoOpCounts(a.g, counts);
  }
  return counts;
}

/** What onnxruntime reports for a value: unknown dims are "" there, null here. */
function asOrtSees(v: ValueInfo) {
  return { name: v.name, type: v.dtype, shape: (v.shape ?? []).map((d) => d ?? "") };
}

function ortValue(m: InferenceSession.ValueMetadata) {
  return m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name };
}

function ifBranches(graph: Graph): Graph[] {
  return graph.nodes.filter((n) => n.op === "If").flatMap((n) =>
    ["then_branch", "else_branch"].map((key) => {
      const a = n.attributes[key];
      if (a?.kind !== "graph") throw new Error(`If node "${n.name}" lacks ${key}`);
      return a.value;
    })
  );
}

describe("importOnnx() on the zoo", () => {
  for (const name of ZOO_MODELS) {
    test(`${name}: inputs and outputs match what onnxruntime reports, and every node is kept`, async () => {
      const bytes = new Uint8Array(await readFile(zooPath(name)));
      const model = await importOnnx(bytes);
      const ort = await ortSession(zooPath(name));
      expect(model.graph.inputs.map((v) => v.name)).toEqual([...ort.inputNames]);
      expect(model.graph.outputs.map((v) => v.name)).toEqual([...ort.outputNames]);
      expect(model.graph.inputs.map(asOrtSees)).toEqual(ort.inputMetadata.map(ortValue));
      expect(model.graph.outputs.map(asOrtSees)).toEqual(ort.outputMetadata.map(ortValue));

      const proto = fromBinary(ModelProtoSchema, bytes);
      const counts = opCounts(model.graph);
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(protoOpCounts(proto.graph!)));
      expect(model.opsets[""]).toBeGreaterThanOrEqual(9);
      expect(model.irVersion).toBeGreaterThanOrEqual(3);
      // No graph input is also a weight, and every node has a name.
      for (const input of model.graph.inputs) expect(model.graph.initializers.has(input.name)).toBe(false);
      for (const node of model.graph.nodes) expect(node.name).not.toBe("");

      // Constant nodes stay nodes here; the pass turns each into an initializer.
      const constants = counts.get("Constant") ?? 0;
      const before = model.graph.initializers.size;
      const topLevelConstants = model.graph.nodes.filter((n) => n.op === "Constant").length;
      expect(foldConstantNodes(model.graph)).toBe(constants);
      expect(model.graph.initializers.size).toBe(before + topLevelConstants);
    });
  }

  test("PP-OCR models keep their convolution stacks", async () => {
    const counts = async (name: string) => opCounts((await importOnnx(await readFile(zooPath(name)))).graph);
    const det = await counts("ppocr_det");
    expect([det.get("Conv"), det.get("ConvTranspose"), det.get("Resize")]).toEqual([62, 2, 6]);
    const rec = await counts("ppocr_rec");
    expect([rec.get("Conv"), rec.get("MatMul"), rec.get("Softmax")]).toEqual([38, 13, 3]);
    const cls = await counts("ppocr_cls");
    expect([cls.get("Conv"), cls.get("BatchNormalization"), cls.get("Softmax")]).toEqual([53, 35, 1]);
  });

  test("silero_v5 keeps its LSTMs inside the If branches, weights in Constant nodes", async () => {
    const model = await importOnnx(await readFile(zooPath("silero_v5")));
    expect(model.graph.initializers.size).toBe(0);
    const branches = ifBranches(model.graph);
    expect(branches.length).toBe(2);
    for (const branch of branches) {
      expect(branch.nodes.length).toBe(113);
      expect(branch.inputs).toEqual([]);
      expect(opCounts(branch).get("LSTM")).toBe(2);
      expect(ifBranches(branch).length).toBeGreaterThan(0);
    }
    const constant = model.graph.nodes.find((n) => n.op === "Constant");
    expect(constant?.attributes["value"]?.kind ?? "none").not.toBe("none");
  });

  test("silero_legacy keeps weights as initializers and LSTMs inside If branches", async () => {
    const model = await importOnnx(await readFile(zooPath("silero_legacy")));
    expect(model.graph.initializers.size).toBe(69);
    expect(model.graph.inputs.map((v) => v.name)).toEqual(["input", "sr", "h", "c"]);
    const branches = ifBranches(model.graph);
    expect(branches.length).toBe(2);
    for (const branch of branches) {
      expect(branch.nodes.length).toBe(88);
      expect(opCounts(branch).get("LSTM")).toBe(4);
    }
    expect(model.producer).toEqual({ name: "pytorch", version: "1.12.0" });
    expect(model.opsets["com.microsoft"]).toBe(1);
  });

  test("silero_op18_ifless keeps value_info and its weights' dtypes", async () => {
    const model = await importOnnx(await readFile(zooPath("silero_op18_ifless")));
    expect(model.opsets[""]).toBe(18);
    expect(model.graph.valueInfo.size).toBe(48);
    for (const v of model.graph.valueInfo.values()) expect(v.dtype).toBeDefined();
    const types = new Set([...model.graph.initializers.values()].map((t) => t.type));
    expect([...types].sort()).toEqual(["float32", "int64"]);
  });
});
