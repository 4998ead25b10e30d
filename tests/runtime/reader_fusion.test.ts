// Nodes fused into the Add or Concat reading them (fast_ops.ts `fuseIntoReader`): a nearest Resize read by its
// reader alone (f32_upsample_add_op.ts, f32_upsample_concat_op.ts) and the residual gate `x + Mul(x, s)`
// (f32_scale_residual_op.ts). Each fused graph gives the reference kernels' outputs bit for bit, the absorbed
// node passes its input through, and the forms that must not fuse keep their own node.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import type { Kernels } from "../../src/kernels/kernels.ts";
import { executeGraph, type KernelOverrides } from "../../src/runtime/executor.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { randomTensor } from "../_random.ts";
import { graphModel, node } from "../_graph.ts";

const str = (value: string): Attribute => ({ kind: "string", value });
const int = (value: number): Attribute => ({ kind: "int", value });
const f32 = (values: number[]) => new Tensor("float32", new Float32Array(values), [values.length]);
const i64 = (values: number[]) => new Tensor("int64", BigInt64Array.from(values.map(BigInt)), [values.length]);
const EMPTY = new Tensor("float32", new Float32Array(0), [0]);

/** The det head's Resize attributes (Paddle's nearest_interp_v2). */
const DET: Record<string, Attribute> = {
  mode: str("nearest"),
  coordinate_transformation_mode: str("asymmetric"),
  nearest_mode: str("floor"),
};

const model = (nodes: Node[], inputs: string[], outputs: string[], initializers: Record<string, Tensor>): Model =>
  graphModel(nodes, { inputs, outputs, initializers });

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels({ variant: "simd128" });
});

function bits(t: Tensor): number[] {
  const d = t.data as Float32Array;
  return Array.from(new Uint32Array(d.slice().buffer));
}

/** Random values with NaN, ±Infinity and -0 written in. */
function tensor(dims: number[], seed: number): Tensor {
  const x = randomTensor(dims, seed, -3, 3);
  const d = x.data as Float32Array;
  [NaN, Infinity, -Infinity, -0].forEach((v, i) => {
    if (7 * i + 3 < d.length) d[7 * i + 3] = v;
  });
  return x;
}

/**
 * Runs `m` with its fast ops and with the reference kernels only; the outputs must agree bit for bit. Returns
 * the names of the nodes whose fast op passes an input through (the absorbed ones).
 */
function expectSameBits(m: Model, feeds: Record<string, Tensor>): string[] {
  const want = executeGraph(m.graph, new Map(Object.entries(feeds)), 13);
  const ops: KernelOverrides = buildFastOps(m, kernels);
  for (let run = 0; run < 2; run++) {
    const got = executeGraph(m.graph, new Map(Object.entries(feeds)), 13, undefined, ops);
    got.forEach((t, i) => {
      expect(t.dims).toEqual(want[i]!.dims);
      expect(bits(t)).toEqual(bits(want[i]!));
    });
  }
  return passedThrough(m, ops, feeds);
}

/** The Resize and Mul nodes whose fast op returns one of its own input tensors (run on the reference's values). */
function passedThrough(m: Model, ops: KernelOverrides, feeds: Record<string, Tensor>): string[] {
  const values = new Map<string, Tensor>([...Object.entries(feeds), ...m.graph.initializers]);
  const names: string[] = [];
  for (const n of m.graph.nodes) {
    const inputs = n.inputs.map((i) => (i ? values.get(i) : undefined));
    const ctx = { node: n, opset: 13, runSubgraph: () => [] };
    const op = n.op === "Resize" || n.op === "Mul" ? ops.get(n) : undefined; // the nodes that can be absorbed
    if (op && inputs.includes(op.run(inputs, new Attrs(n.attributes), ctx)[0])) names.push(n.name);
    // The next node reads the reference's value, as an unfused graph would.
    const exec = executeGraph(
      { ...m.graph, nodes: [n], outputs: n.outputs.map((name) => ({ name, dtype: undefined, shape: undefined })) },
      values,
      13,
    );
    n.outputs.forEach((name, i) => values.set(name, exec[i]!));
  }
  return names;
}

describe("nearest Resize fused into the Add reading it", () => {
  const resize = (attrs = DET) => node("Resize", ["z", "roi", "scales"], ["up"], attrs);
  const cases: Array<[string, Node, number[], number[], boolean]> = [
    ["det's ×2 (asymmetric, floor), lateral first", resize(), [2, 3, 5, 6], [1, 1, 2, 2], true],
    [
      "×3 half_pixel round_prefer_floor, upsampled operand first",
      resize({ mode: str("nearest") }),
      [1, 4, 3, 5],
      [1, 1, 3, 3],
      false,
    ],
    ["×4 rows, ×1 columns", resize(), [1, 2, 4, 7], [1, 1, 4, 1], true],
    [
      "non-integer scales 1.5 × 2.5 (the maps of the reference, not a repeat)",
      resize({ mode: str("nearest"), coordinate_transformation_mode: str("half_pixel") }),
      [1, 3, 4, 4],
      [1, 1, 1.5, 2.5],
      true,
    ],
  ];
  for (const [what, r, zDims, scales, lateralFirst] of cases) {
    test(`${what}: same bits as Resize then Add, the Resize passes its input through`, () => {
      const outDims = zDims.map((d, i) => Math.floor(d * scales[i]!));
      const add = node("Add", lateralFirst ? ["lat", "up"] : ["up", "lat"], ["y"]);
      const m = model([r, add], ["z", "lat"], ["y"], { roi: EMPTY, scales: f32(scales) });
      const through = expectSameBits(m, { z: tensor(zDims, 1), lat: tensor(outDims, 2) });
      expect(through).toEqual([r.name]);
    });
  }

  test("sizes instead of scales: fused, same bits", () => {
    const r = node("Resize", ["z", "roi", "", "sizes"], ["up"], DET);
    const m = model([r, node("Add", ["lat", "up"], ["y"])], ["z", "lat"], ["y"], {
      roi: EMPTY,
      sizes: i64([1, 2, 7, 9]),
    });
    expect(expectSameBits(m, { z: tensor([1, 2, 3, 4], 3), lat: tensor([1, 2, 7, 9], 4) })).toEqual([r.name]);
  });

  test("a lateral operand that broadcasts: the fused op materializes the Resize, same bits", () => {
    const r = resize();
    const m = model([r, node("Add", ["lat", "up"], ["y"])], ["z", "lat"], ["y"], {
      roi: EMPTY,
      scales: f32([1, 1, 2, 2]),
    });
    expect(expectSameBits(m, { z: tensor([1, 3, 4, 4], 5), lat: tensor([1, 3, 1, 8], 6) })).toEqual([r.name]);
  });

  const kept: Array<[string, Node[], string[], Record<string, Tensor>]> = [
    ["the Resize output read twice", [
      resize(),
      node("Add", ["lat", "up"], ["y"]),
      node("Relu", ["up"], ["r"]),
    ], [
      "y",
      "r",
    ], { scales: f32([1, 1, 2, 2]) }],
    ["the Resize output a graph output too", [resize(), node("Add", ["lat", "up"], ["y"])], ["y", "up"], {
      scales: f32([1, 1, 2, 2]),
    }],
    ["linear mode", [resize({ mode: str("linear") }), node("Add", ["lat", "up"], ["y"])], ["y"], {
      scales: f32([1, 1, 2, 2]),
    }],
    ["scales that are not constant", [resize(), node("Add", ["lat", "up"], ["y"])], ["y"], {}],
    ["the Resize output added to itself", [resize(), node("Add", ["up", "up"], ["y"])], ["y"], {
      scales: f32([1, 1, 2, 2]),
    }],
  ];
  for (const [what, nodes, outputs, init] of kept) {
    test(`not fused: ${what}; same bits`, () => {
      const inputs = ["z", "lat", ...("scales" in init ? [] : ["scales"])];
      const m = model(nodes, inputs, outputs, { roi: EMPTY, ...init });
      const feeds: Record<string, Tensor> = { z: tensor([1, 3, 4, 5], 7), lat: tensor([1, 3, 8, 10], 8) };
      if (!("scales" in init)) feeds.scales = f32([1, 1, 2, 2]);
      expect(expectSameBits(m, feeds)).toEqual([]);
    });
  }
});

describe("nearest Resizes fused into the Concat reading them", () => {
  const r = (input: string, k: number, out: string) => node("Resize", [input, "roi", `s${k}`], [out], DET);
  const init = { roi: EMPTY, s2: f32([1, 1, 2, 2]), s4: f32([1, 1, 4, 4]) };

  test("det's head (×4, ×2 and a plain input, batch 2): same bits, the Resizes pass their inputs through", () => {
    const nodes = [r("a", 4, "ua"), r("b", 2, "ub"), node("Concat", ["ua", "ub", "c"], ["y"], { axis: int(1) })];
    const m = model(nodes, ["a", "b", "c"], ["y"], init);
    const feeds = { a: tensor([2, 3, 2, 3], 11), b: tensor([2, 2, 4, 6], 12), c: tensor([2, 4, 8, 12], 13) };
    expect(expectSameBits(m, feeds)).toEqual([nodes[0]!.name, nodes[1]!.name]);
  });

  test("axis -3 and a Resize read twice: only the other Resize fuses; same bits", () => {
    const nodes = [
      r("a", 2, "ua"),
      r("b", 2, "ub"),
      node("Concat", ["ua", "ub"], ["y"], { axis: int(-3) }),
      node("Relu", ["ub"], ["r"]),
    ];
    const m = model(nodes, ["a", "b"], ["y", "r"], init);
    expect(expectSameBits(m, { a: tensor([1, 2, 3, 3], 14), b: tensor([1, 5, 3, 3], 15) })).toEqual([nodes[0]!.name]);
  });

  test("a Concat along another axis runs its own kernel on the materialized Resize; same bits", () => {
    const nodes = [r("a", 2, "ua"), node("Concat", ["ua", "c"], ["y"], { axis: int(2) })];
    const m = model(nodes, ["a", "c"], ["y"], init);
    expect(expectSameBits(m, { a: tensor([1, 2, 3, 4], 16), c: tensor([1, 2, 5, 8], 17) })).toEqual([nodes[0]!.name]);
  });
});

describe("x + Mul(x, s) fused into the Add", () => {
  const shapes: Array<[string, number[], number[]]> = [
    ["a per-channel gate", [2, 6, 5, 7], [1, 6, 1, 1]],
    ["a per-image-and-channel gate", [2, 6, 5, 7], [2, 6, 1, 1]],
    ["a scalar gate", [1, 3, 4, 4], [1]],
    ["a gate along the last axis (the Mul's and the Add's own kernels run)", [1, 3, 4, 5], [5]],
    ["a rank-3 x (the Mul's and the Add's own kernels run)", [3, 4, 5], [3, 1, 1]],
  ];
  for (const [what, xDims, sDims] of shapes) {
    for (const order of [0, 1]) {
      test(`${what}, operands ${order ? "swapped" : "as in det"}: same bits, the Mul passes its gate through`, () => {
        const mul = node("Mul", order ? ["s", "x"] : ["x", "s"], ["m"]);
        const add = node("Add", order ? ["m", "x"] : ["x", "m"], ["y"]);
        const m = model([mul, add], ["x", "s"], ["y"], {});
        expect(expectSameBits(m, { x: tensor(xDims, 21), s: tensor(sDims, 22) })).toEqual([mul.name]);
      });
    }
  }

  const kept: Array<[string, Node[], string[]]> = [
    ["the product read twice", [
      node("Mul", ["x", "s"], ["m"]),
      node("Add", ["x", "m"], ["y"]),
      node("Relu", ["m"], ["r"]),
    ], [
      "y",
      "r",
    ]],
    ["the product a graph output", [node("Mul", ["x", "s"], ["m"]), node("Add", ["x", "m"], ["y"])], ["y", "m"]],
    ["an Add of a third tensor", [
      node("Relu", ["x"], ["rx"]),
      node("Mul", ["x", "s"], ["m"]),
      node("Add", ["rx", "m"], ["y"]),
    ], [
      "y",
    ]],
  ];
  for (const [what, nodes, outputs] of kept) {
    test(`not fused: ${what}; same bits`, () => {
      const m = model(nodes, ["x", "s"], outputs, {});
      expect(expectSameBits(m, { x: tensor([1, 4, 3, 3], 23), s: tensor([1, 4, 3, 3], 24) })).toEqual([]);
    });
  }
});

describe("x + x·s deferred to the upsampling Add reading it (det's FPN levels)", () => {
  /** x → Mul(s) → Add(x) = lat; z → Resize(scales) = up; Add(lat, up) = y; plus `extra` nodes and outputs. */
  function fpn(scales: number[], extra: Node[] = [], outputs: string[] = []): Model {
    const nodes = [
      node("Mul", ["x", "s"], ["m"]),
      node("Add", ["x", "m"], ["lat"]),
      node("Resize", ["z", "roi", "scales"], ["up"], DET),
      node("Add", ["lat", "up"], ["y"]),
      ...extra,
    ];
    return model(nodes, ["x", "s", "z"], ["y", ...outputs], { roi: EMPTY, scales: f32(scales) });
  }

  /** Whether the residual Add's fast op returns a tensor on x's own buffer (the sum left to its reader). */
  function defers(m: Model, feeds: Record<string, Tensor>): boolean {
    const ops = buildFastOps(m, kernels);
    const add = m.graph.nodes[1]!;
    const ctx = { node: add, opset: 13, runSubgraph: () => [] };
    const [out] = ops.get(add)!.run([feeds.x!, feeds.s!], new Attrs({}), ctx);
    return (out!.data as Float32Array).buffer === (feeds.x!.data as Float32Array).buffer;
  }

  const cases: Array<[string, Model, number[], number[], boolean]> = [
    ["×2 with a per-channel gate: one pass", fpn([1, 1, 2, 2]), [1, 8, 3, 3], [1, 8, 1, 1], true],
    ["×2 with a per-image gate, batch 2", fpn([1, 1, 2, 2]), [2, 3, 3, 3], [2, 1, 1, 1], true],
    ["×3 rows, ×2 columns (the maps' loop)", fpn([1, 1, 3, 2]), [1, 4, 2, 3], [1, 4, 1, 1], true],
    ["an upsampled map that broadcasts (the sum materialized)", fpn([1, 1, 1, 2]), [1, 8, 1, 3], [1, 8, 1, 1], true],
    [
      "a gate along the last axis (no deferral: the Mul's and Add's kernels)",
      fpn([1, 1, 2, 2]),
      [1, 8, 3, 3],
      [6],
      false,
    ],
    [
      "the sum read by another node too (not deferred)",
      fpn([1, 1, 2, 2], [node("Relu", ["lat"], ["r"])], ["r"]),
      [1, 8, 3, 3],
      [1, 8, 1, 1],
      false,
    ],
    ["the sum a graph output (not deferred)", fpn([1, 1, 2, 2], [], ["lat"]), [1, 8, 3, 3], [1, 8, 1, 1], false],
  ];
  for (const [what, m, zDims, sDims, deferred] of cases) {
    test(`${what}: same bits`, () => {
      const feeds = { x: tensor([zDims[0]!, zDims[1]!, 6, 6], 25), s: tensor(sDims, 26), z: tensor(zDims, 27) };
      expect(expectSameBits(m, feeds)).toEqual([m.graph.nodes[0]!.name, m.graph.nodes[2]!.name]);
      expect(defers(m, feeds)).toBe(deferred);
    });
  }
});
