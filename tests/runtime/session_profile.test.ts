// The session's `profile` option (per-node self times) and what the fusion passes leave for the reference
// kernels on the PP-OCR models, read through that profile.
import { describe, expect, test } from "bun:test";
import type { Model } from "../../src/graph/graph.ts";
import { loadModel } from "../../src/formats/load.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { cliInProcess } from "../cli/_cli.ts";
import { zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

async function profiled(name: "ppocr_det" | "ppocr_rec" | "ppocr_cls", model?: Model) {
  const session = await InferenceSession.create(model ?? zooPath(name), { profile: true });
  session.runSync(zooFeeds(name));
  return session;
}

describe("InferenceSession profile option", () => {
  test("times every node of every run and forgets them on reset", async () => {
    const model = await loadModel(zooPath("ppocr_cls"));
    const session = await profiled("ppocr_cls", model);
    const profile = session.profile!;
    expect(profile.runs).toBe(1);
    const nodes = profile.byNode();
    expect(nodes.length).toBe(session.model.graph.nodes.length);
    for (const n of nodes) expect(n.calls).toBe(1);
    session.runSync(zooFeeds("ppocr_cls"));
    expect(profile.byNode().every((n) => n.calls === 2)).toBe(true);
    const byOp = profile.byOp();
    expect(byOp.reduce((s, o) => s + o.nodes, 0)).toBe(nodes.length);
    expect(Math.abs(byOp.reduce((s, o) => s + o.totalMs, 0) - profile.totalMs)).toBeLessThan(1e-6);
    expect(byOp.some((o) => o.op === "Conv (fast)")).toBe(true);
    profile.reset();
    expect(profile.runs).toBe(0);
    expect(profile.byNode()).toHaveLength(0);
    expect((await InferenceSession.create(model)).profile).toBeUndefined();
  });

  test("bitloop bench --profile prints the operators and nodes that took the most time", async () => {
    const dims = ["--dim", "p2o.DynamicDimension.1=48", "--dim", "p2o.DynamicDimension.2=192"];
    const r = await cliInProcess(["bench", zooPath("ppocr_cls"), "--repeat", "2", "--profile", "--json", ...dims]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.trim()) as { profile: { runs: number; ops: { op: string; ms: number }[] } };
    expect(report.profile.runs).toBe(2);
    expect(report.profile.ops[0]!.ms).toBeGreaterThan(0);
    const text = await cliInProcess(["bench", zooPath("ppocr_cls"), "--repeat", "2", "--profile", ...dims]);
    expect(text.stdout).toContain("profile: self time per run");
    expect(text.stdout).toMatch(/Conv \(fast\)\s+\d+\.\d{3}\s+\d+\.\d%/);
  });
});

describe("fusion leaves no reference kernel on the PP-OCR hot paths (normal mode)", () => {
  test("det: the DBNet head's ConvTranspose, bias Add, BatchNormalization, Relu and Sigmoid run fused", async () => {
    const session = await profiled("ppocr_det");
    if (session.kernelBackend === "reference") return;
    const slow = session.profile!.byNode().filter((n) => !n.fast).map((n) => n.op);
    for (const op of ["ConvTranspose", "BatchNormalization", "Relu", "Sigmoid", "Add", "Mul", "Resize"]) {
      expect(slow).not.toContain(op);
    }
  }, 30_000);

  test("rec: learnable affine blocks after HardSwish fuse into the conv epilogues", async () => {
    const session = await profiled("ppocr_rec");
    if (session.kernelBackend === "reference") return;
    const kernels = await loadKernels({ variant: "simd128" });
    const graph = session.model.graph;
    const ops = buildFastOps(session.model, kernels);
    const affine = graph.nodes.filter((n) =>
      (n.op === "Mul" || n.op === "Add") && n.inputs.some((i) => i.startsWith("hardswish"))
    );
    expect(affine.length).toBeGreaterThan(10);
    // An absorbed node passes its input through (the conv computed it); an unfused one computes anew.
    const probe = new Tensor("float32", new Float32Array(4).fill(2), [1, 1, 2, 2]);
    for (const n of affine) {
      const scalar = n.inputs.find((i) => !i.startsWith("hardswish"))!;
      const inputs = n.inputs.map((i) => (i === scalar ? graph.initializers.get(i) : probe));
      const [y] = ops.get(n)!.run(inputs, new Attrs(n.attributes), {
        node: n,
        opset: 0,
        runSubgraph: () => [],
      });
      expect(y).toBe(probe);
    }
  }, 30_000);
});
