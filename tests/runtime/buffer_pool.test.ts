// The executor's liveness plan and buffer recycling: intermediates are dropped after their last reader
// and their buffers reused, while feeds, outputs and buffers shared by live views are never touched.
import { describe, expect, test } from "bun:test";
import { Tensor } from "../../src/graph/tensor.ts";
import { BufferPool, MIN_POOLED_BYTES, overwriteCheck } from "../../src/runtime/buffer_pool.ts";
import { livenessPlan } from "../../src/runtime/liveness.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { zooPath } from "../zoo/zoo.ts";
import { recInput, renderLine } from "../data/render_text.ts";
import { graph, modelOf, node, vi } from "../ops/control/_subgraph.ts";

const N = 4096; // 16 KiB of float32: above MIN_POOLED_BYTES
const ramp = (scale: number) => new Float32Array(N).map((_, i) => (i - N / 2) * scale);
const f32 = (data: Float32Array, dims = [N]) => new Tensor("float32", data, dims);

describe("livenessPlan", () => {
  test("drops each value after its last reader, unread outputs at once, and outer reads at the If", () => {
    const branch = (name: string) =>
      graph(name, [], [vi(`${name}_out`, "float32", [N])], [node("Neg", ["a"], [`${name}_out`])]);
    const m = modelOf({ x: f32(ramp(1)), c: new Tensor("bool", new Uint8Array([1]), []) }, ["out"], [
      node("Relu", ["x"], ["a"]),
      node("Neg", ["x"], ["unused"]),
      node("Abs", ["c"], ["c2"]),
      node("If", ["c"], ["out"], {
        then_branch: { kind: "graph", value: branch("then") },
        else_branch: { kind: "graph", value: branch("else") },
      }),
    ]);
    const { release } = livenessPlan(m.graph);
    expect(release.map((r) => [...r].sort())).toEqual([[], ["unused", "x"], ["c2"], ["a", "c"]]);
  });

  test("never drops graph outputs or initializers", () => {
    const m = modelOf({ x: f32(ramp(1)) }, ["y", "z"], [node("Add", ["x", "w"], ["y"]), node("Neg", ["y"], ["z"])], {
      w: f32(ramp(2)),
    });
    expect(livenessPlan(m.graph).release.flat()).toEqual(["x"]);
  });
});

describe("BufferPool", () => {
  test("recycles a buffer minted in this run once its last holder is released, zero-filled", () => {
    const pool = new BufferPool();
    const a = pool.source("float32", N) as Float32Array;
    const t = f32(a), view = new Tensor("float32", a.subarray(8), [N - 8]);
    pool.retain(t);
    pool.retain(view);
    a.fill(7);
    pool.release(t);
    expect(pool.source("float32", N)).not.toBe(a); // the view still holds it
    pool.release(view);
    expect(pool.pooledBytes).toBe(N * 4);
    const b = pool.source("float32", N) as Float32Array;
    expect(b).toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
  });

  test("an overwrite request gets the recycled buffer as it was left; the test poison fills it", () => {
    const pool = new BufferPool();
    const a = pool.source("float32", N, true) as Float32Array;
    const t = f32(a);
    pool.retain(t);
    a.fill(7);
    pool.release(t);
    const b = pool.source("float32", N, true) as Float32Array;
    expect(b).toBe(a);
    expect(b.every((v) => v === 7)).toBe(true); // no zero fill
    pool.retain(f32(b));
    pool.release(f32(b));
    overwriteCheck.poison = Number.NaN;
    try {
      expect((pool.source("float32", N, true) as Float32Array).every((v) => Number.isNaN(v))).toBe(true);
      expect((pool.source("int32", N, true) as Int32Array).every((v) => v === 0x5a5a5a5a)).toBe(true);
      expect((pool.source("float32", N) as Float32Array).every((v) => v === 0)).toBe(true); // plain requests: zeros
    } finally {
      overwriteCheck.poison = undefined;
    }
  });

  test("never recycles feeds, small arrays or buffers of an earlier run", () => {
    const pool = new BufferPool();
    expect(pool.source("float32", MIN_POOLED_BYTES / 4 - 1)).toBeUndefined();
    expect(pool.source("string", N)).toBeUndefined();
    const feed = f32(ramp(1));
    pool.retain(feed);
    pool.release(feed);
    const earlier = f32(pool.source("float32", N) as Float32Array);
    pool.retain(earlier);
    pool.endRun(); // `earlier` was an output: now the caller's
    pool.release(earlier);
    expect(pool.pooledBytes).toBe(0);
  });

  test("drops pooled buffers a whole run did not reuse", () => {
    const pool = new BufferPool();
    const t = f32(pool.source("float32", N) as Float32Array);
    pool.retain(t);
    pool.release(t);
    pool.endRun();
    expect(pool.pooledBytes).toBe(N * 4); // kept for the next run
    pool.endRun(); // a run that allocated nothing of that size
    expect(pool.pooledBytes).toBe(0);
  });
});

describe("executeGraph with buffer recycling", () => {
  // x → Neg a → Reshape r (a view of a) → Neg b → Neg c → Neg d → Mul(r, d) = -x² → out: `a` is dead
  // after the Reshape but its buffer lives on in `r`, which the last node reads.
  const nodes = [
    node("Neg", ["x"], ["a"]),
    node("Reshape", ["a", "shape"], ["r"]),
    node("Neg", ["r"], ["b"]),
    node("Neg", ["b"], ["c"]),
    node("Neg", ["c"], ["d"]),
    node("Mul", ["r", "d"], ["out"]),
  ];
  const shape = new Tensor("int64", new BigInt64Array([2n, BigInt(N / 2)]), [2]);
  const expected = (x: Float32Array) => Array.from(x, (v) => Math.fround(-v * v));

  test("keeps views of dropped values intact, and never reuses feeds or earlier outputs", async () => {
    const x1 = ramp(1), x2 = ramp(3);
    const session = await InferenceSession.create(modelOf({ x: f32(x1, [N]) }, ["out"], nodes, { shape }));
    const out1 = session.runSync({ x: f32(x1) }).out!;
    const copy1 = Float32Array.from(out1.data as Float32Array);
    expect(Array.from(out1.data as Float32Array)).toEqual(expected(x1));
    const out2 = session.runSync({ x: f32(x2) }).out!;
    expect(out2.data).not.toBe(out1.data);
    expect(out1.data).toEqual(copy1);
    expect(Array.from(x1)).toEqual(Array.from(ramp(1)));
    expect(Array.from(x2)).toEqual(Array.from(ramp(3)));
  });

  test("a Reshape view that outlives its source keeps its values on every run", async () => {
    const x = ramp(0.5);
    const session = await InferenceSession.create(modelOf({ x: f32(x) }, ["out"], nodes, { shape }));
    for (let run = 0; run < 3; run++) {
      expect(Array.from(session.runSync({ x: f32(x) }).out!.data as Float32Array)).toEqual(expected(x));
    }
  });

  test("PP-OCR rec in low mode returns the same outputs on every run, earlier outputs untouched", async () => {
    const session = await InferenceSession.create(zooPath("ppocr_rec"), { memory: "low" });
    const x = recInput(renderLine("Hello 42"));
    const name = session.outputNames[0]!;
    const first = session.runSync({ x })[name]!.data as Float32Array;
    const copy = Float32Array.from(first);
    for (let run = 0; run < 2; run++) {
      const again = session.runSync({ x })[name]!.data as Float32Array;
      expect(again).not.toBe(first);
      expect(again).toEqual(copy);
    }
    expect(first).toEqual(copy);
  });
});
