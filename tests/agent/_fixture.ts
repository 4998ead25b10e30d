// Shared by the agent tests: tiny models built in code, temp stores, an app with a token.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import type { Hono } from "hono";
import { createApp } from "../../device-agent/app.ts";
import type { AgentOptions } from "../../device-agent/agent_options.ts";
import { ModelStore } from "../../device-agent/store.ts";
import { sha256Hex } from "../../src/client/device_client.ts";
import { emptyGraph, type Graph, type Model, type Node, type ValueInfo } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { exportOnnx } from "../../src/formats/onnx/export_onnx.ts";
import { writeBitloop } from "../../src/formats/bitloop/write.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";

/** The token the test apps require. */
export const TOKEN = "test-token-0123456789";

/** Headers with the right token. */
export function auth(extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${TOKEN}`, ...extra };
}

/** The weights of the tiny model: y = softmax(x · W + b), x [1, 4], y [1, 3]. */
export const W = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5]);
/** Bias of the tiny model. */
export const B = new Float32Array([0, 0.1, -0.1]);

function model(nodes: Node[], outputs: string[]): Model {
  const graph = emptyGraph("tiny");
  graph.inputs.push({ name: "x", dtype: "float32", shape: [1, 4] });
  for (const o of outputs) graph.outputs.push({ name: o, dtype: "float32", shape: [1, 3] });
  graph.initializers.set("W", new Tensor("float32", W, [4, 3]));
  graph.initializers.set("b", new Tensor("float32", B, [3]));
  graph.nodes.push(...nodes);
  return { graph, opsets: { "": 17 }, irVersion: 8, producer: { name: "test", version: "1" }, metadata: {} };
}

const node = (op: string, inputs: string[], outputs: string[]): Node => ({
  name: outputs[0]!,
  op,
  domain: "",
  inputs,
  outputs,
  attributes: {},
});

/** ONNX bytes of y = softmax(x · W + b), plus `logits` as a second output. */
export function tinyModel(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(exportOnnx(model([
    node("MatMul", ["x", "W"], ["xw"]),
    node("Add", ["xw", "b"], ["logits"]),
    node("Softmax", ["logits"], ["y"]),
  ], ["y", "logits"])));
}

/**
 * ONNX bytes of y = Reshape(x, [-1, 100]) with x declared [1, "n"]: made-up inputs (n = 64) cannot be
 * reshaped, so a bench without inputs fails in the model, as a user's would with a guessed shape.
 */
export function symbolicReshapeModel(): Uint8Array<ArrayBuffer> {
  const graph = emptyGraph("reshape");
  graph.inputs.push({ name: "x", dtype: "float32", shape: [1, "n"] });
  graph.outputs.push({ name: "y", dtype: "float32", shape: ["m", 100] });
  graph.initializers.set("shape", new Tensor("int64", BigInt64Array.of(-1n, 100n), [2]));
  graph.nodes.push(node("Reshape", ["x", "shape"], ["y"]));
  return new Uint8Array(
    exportOnnx({ graph, opsets: { "": 17 }, irVersion: 8, producer: { name: "test", version: "1" }, metadata: {} }),
  );
}

/**
 * Bitloop bytes of y = x · W (x [1, 64], W [64, 32] of seeded values) with W compressed to 4 bits in
 * blocks of 32 — what `memory: "low"` runs on the int8 dynamic-quant (`qd8-…`) kernels.
 */
export async function compressedModel(): Promise<Uint8Array<ArrayBuffer>> {
  const graph = emptyGraph("compressed");
  graph.inputs.push({ name: "x", dtype: "float32", shape: [1, 64] });
  graph.outputs.push({ name: "y", dtype: "float32", shape: [1, 32] });
  const w = new Float32Array(64 * 32).map((_, i) => Math.sin(i * 0.37) * 0.5);
  graph.initializers.set("W", new Tensor("float32", w, [64, 32]));
  graph.nodes.push(node("MatMul", ["x", "W"], ["y"]));
  const model: Model = {
    graph,
    opsets: { "": 17 },
    irVersion: 8,
    producer: { name: "test", version: "1" },
    metadata: {},
  };
  prepareForCompression(model);
  const { model: bytes } = await writeBitloop(compressModel(model, { bits: 4, blockSize: 32 }).model);
  return new Uint8Array(bytes);
}

/** A well-formed ONNX model with an op bitloop does not run. */
export function unsupportedModel(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(exportOnnx(model([node("NoSuchOp", ["x"], ["y"])], ["y"])));
}

/**
 * ONNX bytes of a model that never ends: a Loop with an int64 trip count beyond 2^53 (no limit) whose
 * body adds 1 to a carried `x` [1]. The loop depends on the input, so nothing folds it at load.
 */
export function foreverModel(): Uint8Array<ArrayBuffer> {
  const f32 = (name: string): ValueInfo => ({ name, dtype: "float32", shape: [1] });
  const body: Graph = {
    ...emptyGraph("forever_body"),
    inputs: [{ name: "i", dtype: "int64", shape: [] }, { name: "cond_in", dtype: "bool", shape: [] }, f32("n")],
    outputs: [{ name: "cond_out", dtype: "bool", shape: [] }, f32("n_out")],
    nodes: [node("Identity", ["cond_in"], ["cond_out"]), node("Add", ["n", "one"], ["n_out"])],
    initializers: new Map([["one", new Tensor("float32", Float32Array.of(1), [1])]]),
  };
  const graph = emptyGraph("forever");
  graph.inputs.push(f32("x"));
  graph.outputs.push(f32("y"));
  graph.initializers.set("M", new Tensor("int64", BigInt64Array.of(2n ** 62n), []));
  graph.nodes.push({ ...node("Loop", ["M", "", "x"], ["y"]), attributes: { body: { kind: "graph", value: body } } });
  return new Uint8Array(
    exportOnnx({ graph, opsets: { "": 17 }, irVersion: 8, producer: { name: "test", version: "1" }, metadata: {} }),
  );
}

/** ONNX bytes of y = ConstantOfShape(shape): fed `[2^34]` it asks for 64 GiB, more than any device has. */
export function hugeAllocModel(): Uint8Array<ArrayBuffer> {
  const graph = emptyGraph("huge");
  graph.inputs.push({ name: "shape", dtype: "int64", shape: [1] });
  graph.outputs.push({ name: "y", dtype: "float32", shape: [null] });
  graph.nodes.push(node("ConstantOfShape", ["shape"], ["y"]));
  return new Uint8Array(
    exportOnnx({ graph, opsets: { "": 17 }, irVersion: 8, producer: { name: "test", version: "1" }, metadata: {} }),
  );
}

/** What the tiny model computes, in float64. */
export function tinyReference(x: ArrayLike<number>): { y: number[]; logits: number[] } {
  const logits = [0, 1, 2].map((j) => B[j]! + [0, 1, 2, 3].reduce((s, i) => s + x[i]! * W[i * 3 + j]!, 0));
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return { y: e.map((v) => v / sum), logits };
}

/** A fresh temp directory; remove it with {@link removeDir}. */
export function tempDir(prefix = "bitloop-agent-"): Promise<string> {
  return mkdtemp(`${tmpdir()}/${prefix}`);
}

/** Removes a directory tree. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** An app over a fresh store, requiring {@link TOKEN}. */
export async function makeApp(
  options: Partial<AgentOptions> = {},
): Promise<{ app: Hono; store: ModelStore; dir: string }> {
  const dir = await tempDir();
  const store = await ModelStore.open(dir, { maxUploadBytes: 1 << 20 });
  return { app: createApp({ store, token: TOKEN, ...options }), store, dir };
}

/** Uploads bytes as a model through the app; returns the id. */
export async function upload(app: Hono, bytes: Uint8Array): Promise<string> {
  const id = await sha256Hex(bytes);
  const res = await app.request(`/v1/models/${id}`, {
    method: "PUT",
    body: bytes as Uint8Array<ArrayBuffer>,
    headers: auth(),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return id;
}

/** Every JSON line of an NDJSON response. */
export async function ndjsonLines(res: Response): Promise<Record<string, unknown>[]> {
  return (await res.text()).split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}
