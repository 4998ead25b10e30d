// Conv chains (`f32_conv_chain_op.ts`): a run of fp32 Convs each read only by the next runs as one op on the
// tail with the intermediates kept in kernel memory. The outputs have the bits of the unchained ops (every
// step runs the same kernel on the same values), on hand-built graphs (1×1, depthwise, strided, padded,
// auto_pad, batch 2, fused epilogues) and on the PP-OCR models; the forms that must not chain keep one op per conv.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import type { Kernels } from "../../src/kernels/kernels.ts";
import { executeGraph, type KernelOverrides } from "../../src/runtime/executor.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { randomTensor } from "../_random.ts";
import { graphModel, node } from "../_graph.ts";
import { zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels({ variant: "simd128" });
});

const ints = (value: number[]): Attribute => ({ kind: "ints", value });
const int = (value: number): Attribute => ({ kind: "int", value });
const str = (value: string): Attribute => ({ kind: "string", value });

/** The float32 bits of `t`. */
function bits(t: Tensor): Uint32Array {
  const d = t.data as Float32Array;
  return new Uint32Array(d.buffer, d.byteOffset, d.length);
}

/** Conv node `out = Conv(input, <out>.w, <out>.b)` and its random weights `[oc][c/group][k][k]` in `init`. */
function conv(
  init: Map<string, Tensor>,
  input: string,
  out: string,
  c: number,
  oc: number,
  k: number,
  attrs: Record<string, Attribute> = {},
): Node {
  const group = attrs["group"]?.kind === "int" ? attrs["group"].value : 1;
  const seed = init.size + 1;
  init.set(`${out}.w`, randomTensor([oc, c / group, k, k], seed, -0.5, 0.5));
  init.set(`${out}.b`, randomTensor([oc], seed + 100, -0.2, 0.2));
  return node("Conv", [input, `${out}.w`, `${out}.b`], [out], { kernel_shape: ints([k, k]), ...attrs });
}

const model = (nodes: Node[], outputs: string[], initializers: Map<string, Tensor>): Model =>
  graphModel(nodes, { inputs: ["x"], outputs, initializers });

/** Conv nodes of `ops` that pass their input through (chain heads and middles), by output name. */
function passing(m: Model, ops: KernelOverrides): string[] {
  const probe = new Tensor("float32", new Float32Array(4), [1, 1, 2, 2]);
  return m.graph.nodes.filter((n) => {
    if (n.op !== "Conv") return false;
    try {
      const inputs = n.inputs.map((name, i) => (i === 0 ? probe : m.graph.initializers.get(name)));
      const ctx = { node: n, opset: 13, runSubgraph: () => [] };
      return ops.get(n)!.run(inputs, new Attrs(n.attributes), ctx)[0] === probe;
    } catch {
      return false; // a real conv on the probe: wrong channel count
    }
  }).map((n) => n.outputs[0]!);
}

/**
 * Runs `m` on `x` with chaining and without; expects the same bits (and a run-to-run repeat to agree), and
 * returns the convs that passed their input through in the chained build.
 */
function chainedVsUnchained(m: Model, x: Tensor): string[] {
  const feeds = new Map([["x", x]]);
  const chained = buildFastOps(m, kernels);
  const plain = buildFastOps(m, kernels, undefined, { chainConvs: false });
  expect(passing(m, plain)).toEqual([]);
  const want = executeGraph(m.graph, feeds, 13, undefined, plain);
  for (let run = 0; run < 2; run++) {
    const got = executeGraph(m.graph, feeds, 13, undefined, chained);
    got.forEach((t, i) => {
      expect(t.dims).toEqual(want[i]!.dims);
      expect(bits(t)).toEqual(bits(want[i]!));
    });
  }
  return passing(m, chained);
}

describe("fp32 conv chains give the unchained ops' bits", () => {
  test("1×1 expand → depthwise 3×3 stride 2 padded → 1×1 (with HardSwish and Relu epilogues), batch 2", () => {
    const init = new Map<string, Tensor>();
    const m = model(
      [
        conv(init, "x", "a", 6, 16, 1),
        node("HardSwish", ["a"], ["a_act"]),
        conv(init, "a_act", "b", 16, 16, 3, { group: int(16), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }),
        node("Relu", ["b"], ["b_act"]),
        conv(init, "b_act", "y", 16, 10, 1),
      ],
      ["y"],
      init,
    );
    expect(chainedVsUnchained(m, randomTensor([2, 6, 13, 17], 7, -2, 2))).toEqual(["a", "b"]);
  });

  test("2 convs: 5×5 depthwise with auto_pad SAME_UPPER (resolved per run from the input dims) → 3×3 dilated", () => {
    const init = new Map<string, Tensor>();
    const m = model(
      [
        conv(init, "x", "a", 4, 4, 5, { group: int(4), auto_pad: str("SAME_UPPER"), strides: ints([2, 1]) }),
        conv(init, "a", "y", 4, 7, 3, { dilations: ints([2, 2]), pads: ints([2, 1, 2, 1]) }),
      ],
      ["y"],
      init,
    );
    expect(chainedVsUnchained(m, randomTensor([1, 4, 11, 14], 8, -1, 1))).toEqual(["a"]);
    expect(chainedVsUnchained(m, randomTensor([2, 4, 6, 9], 9, -1, 1))).toEqual(["a"]);
  });

  test("a scalar Mul/Add after a conv (folded into its weights) and a group-1 3×3 that may take Winograd", () => {
    const init = new Map<string, Tensor>();
    init.set("s", new Tensor("float32", new Float32Array([0.75]), []));
    init.set("t", new Tensor("float32", new Float32Array([0.125]), []));
    const m = model(
      [
        conv(init, "x", "a", 8, 32, 1),
        node("Mul", ["a", "s"], ["as"]),
        node("Add", ["as", "t"], ["at"]),
        conv(init, "at", "b", 32, 32, 3, { pads: ints([1, 1, 1, 1]) }),
        node("Clip", ["b"], ["bc"], { min: { kind: "float", value: 0 }, max: { kind: "float", value: 6 } }),
        conv(init, "bc", "y", 32, 5, 1, { strides: ints([2, 2]) }),
      ],
      ["y"],
      init,
    );
    expect(chainedVsUnchained(m, randomTensor([1, 8, 24, 24], 10, -1, 1))).toEqual(["a", "b"]);
  });

  test("one chain op run on input sizes that change (planned per size) keeps the unchained bits", () => {
    const init = new Map<string, Tensor>();
    const m = model(
      [
        conv(init, "x", "a", 4, 8, 1),
        conv(init, "a", "b", 8, 8, 5, { group: int(8), auto_pad: str("SAME_UPPER"), strides: ints([2, 1]) }),
        conv(init, "b", "y", 8, 3, 1),
      ],
      ["y"],
      init,
    );
    const chained = buildFastOps(m, kernels);
    const plain = buildFastOps(m, kernels, undefined, { chainConvs: false });
    for (const [i, dims] of [[1, 4, 9, 14], [2, 4, 6, 7], [1, 4, 9, 14]].entries()) {
      const feeds = new Map([["x", randomTensor(dims, 70 + i, -1, 1)]]);
      const got = executeGraph(m.graph, feeds, 13, undefined, chained)[0]!;
      const want = executeGraph(m.graph, feeds, 13, undefined, plain)[0]!;
      expect(got.dims).toEqual(want.dims);
      expect(bits(got)).toEqual(bits(want));
    }
    expect(passing(m, chained)).toEqual(["a", "b"]);
  });

  test("a lone conv does not chain; its op is the plain one", () => {
    const init = new Map<string, Tensor>();
    const m = model([conv(init, "x", "y", 3, 4, 3, { pads: ints([1, 1, 1, 1]) })], ["y"], init);
    expect(chainedVsUnchained(m, randomTensor([2, 3, 5, 6], 11, -1, 1))).toEqual([]);
  });
});

/** x → 1×1 expand → depthwise 3×3 → SE block (pool, 1×1 → Relu, 1×1 → HardSigmoid, Mul) → 1×1 → y. */
function seChain(
  init: Map<string, Tensor>,
  o: { mulFirst?: boolean; fcKernel?: number; fcPads?: number; extra?: Node[] } = {},
): Node[] {
  const k = o.fcKernel ?? 1, pads = o.fcPads ?? (k - 1) / 2;
  return [
    conv(init, "x", "a", 6, 16, 1),
    node("HardSwish", ["a"], ["a_act"]),
    conv(init, "a_act", "b", 16, 16, 3, { group: int(16), pads: ints([1, 1, 1, 1]) }),
    node("GlobalAveragePool", ["b"], ["g"]),
    conv(init, "g", "r", 16, 4, k, { pads: ints([pads, pads, pads, pads]) }),
    node("Relu", ["r"], ["r_act"]),
    conv(init, "r_act", "t", 4, 16, 1),
    node("HardSigmoid", ["t"], ["s"], { alpha: { kind: "float", value: 0.2 }, beta: { kind: "float", value: 0.5 } }),
    node("Mul", o.mulFirst ? ["s", "b"] : ["b", "s"], ["m"]),
    conv(init, "m", "y", 16, 8, 1),
    ...(o.extra ?? []),
  ];
}

/** Whether `name`'s producer (a pool or Mul of an SE block) passes its input 0 through in `ops`. */
function passesThrough(m: Model, ops: KernelOverrides, name: string): boolean {
  const n = m.graph.nodes.find((n) => n.outputs[0] === name)!;
  const probe = new Tensor("float32", new Float32Array(4), [1, 1, 2, 2]);
  const inputs = n.inputs.map(() => probe);
  return ops.get(n)?.run(inputs, new Attrs(n.attributes), { node: n, opset: 13, runSubgraph: () => [] })[0] === probe;
}

describe("squeeze-and-excitation blocks run inside a chain", () => {
  for (const mulFirst of [false, true]) {
    test(`1×1 → depthwise → SE (Mul(${mulFirst ? "s, x" : "x, s"})) → 1×1, batch 1 and 2: the unchained bits`, () => {
      const init = new Map<string, Tensor>();
      const m = model(seChain(init, { mulFirst }), ["y"], init);
      for (const batch of [1, 2]) {
        expect(chainedVsUnchained(m, randomTensor([batch, 6, 7, 9], 40 + batch, -2, 2))).toEqual(["a", "b", "r", "t"]);
      }
      const ops = buildFastOps(m, kernels);
      expect(passesThrough(m, ops, "g") && passesThrough(m, ops, "m")).toBe(true);
    });
  }

  test("not when the block's input has a third reader, its product two, or a gate conv is not 1×1", () => {
    const x = () => randomTensor([1, 6, 7, 9], 45, -2, 2);
    const init = new Map<string, Tensor>();
    const third = model(seChain(init, { extra: [node("Neg", ["b"], ["nb"])] }), ["y", "nb"], init);
    expect(chainedVsUnchained(third, x())).toEqual(["a", "r"]); // a → b and r → t still chain
    const init2 = new Map<string, Tensor>();
    const twice = model(seChain(init2, { extra: [node("Neg", ["m"], ["nm"])] }), ["y", "nm"], init2);
    expect(chainedVsUnchained(twice, x())).toEqual(["a", "r"]);
    const init3 = new Map<string, Tensor>();
    const wide = model(seChain(init3, { fcKernel: 3 }), ["y"], init3);
    expect(chainedVsUnchained(wide, x())).toEqual(["a", "r"]);
    // A padded 1×1 conv turns the pooled pixel into 3×3: not a gate (the Mul then broadcasts a 3×3 map).
    const init4 = new Map<string, Tensor>();
    const padded = model(seChain(init4, { fcPads: 1 }), ["y"], init4);
    expect(chainedVsUnchained(padded, randomTensor([1, 6, 3, 3], 46, -2, 2))).toEqual(["a", "r"]);
  });
});

/** x → 1×1 expand → depthwise 3×3 → 1×1 project (y, back to x's 6 channels) → `extra` (the residual Add). */
function residualBlock(init: Map<string, Tensor>, extra: Node[]): Node[] {
  return [
    conv(init, "x", "a", 6, 12, 1),
    node("HardSwish", ["a"], ["a_act"]),
    conv(init, "a_act", "b", 12, 12, 3, { group: int(12), pads: ints([1, 1, 1, 1]) }),
    conv(init, "b", "y", 12, 6, 1),
    ...extra,
  ];
}

describe("a residual Add reading the tail alone runs the chain and adds in kernel memory", () => {
  for (const inputs of [["y", "x"], ["x", "y"], ["y", "n"]]) {
    test(`Add(${inputs.join(", ")}), batch 1 and 2: the unchained bits; the tail passes its input through`, () => {
      const init = new Map<string, Tensor>();
      const m = model(residualBlock(init, [node("Neg", ["x"], ["n"]), node("Add", inputs, ["z"])]), ["z"], init);
      for (const batch of [1, 2]) {
        expect(chainedVsUnchained(m, randomTensor([batch, 6, 5, 7], 60 + batch, -2, 2))).toEqual(["a", "b", "y"]);
      }
    });
  }

  test("an operand of another shape is added by the Add's own kernel (broadcast), with the same bits", () => {
    const init = new Map<string, Tensor>();
    init.set("bias", randomTensor([1, 6, 1, 1], 63, -1, 1));
    const m = model(residualBlock(init, [node("Add", ["y", "bias"], ["z"])]), ["z"], init);
    expect(chainedVsUnchained(m, randomTensor([2, 6, 5, 7], 64, -2, 2))).toEqual(["a", "b", "y"]);
  });

  test("not when the tail's output has another reader, is a graph output, or is both operands", () => {
    const x = () => randomTensor([1, 6, 5, 7], 65, -2, 2);
    const init = new Map<string, Tensor>();
    const read = model(
      residualBlock(init, [node("Add", ["y", "x"], ["z"]), node("Neg", ["y"], ["ny"])]),
      ["z", "ny"],
      init,
    );
    expect(chainedVsUnchained(read, x())).toEqual(["a", "b"]);
    const init2 = new Map<string, Tensor>();
    const exposed = model(residualBlock(init2, [node("Add", ["y", "x"], ["z"])]), ["z", "y"], init2);
    expect(chainedVsUnchained(exposed, x())).toEqual(["a", "b"]);
    const init3 = new Map<string, Tensor>();
    const doubled = model(residualBlock(init3, [node("Add", ["y", "y"], ["z"])]), ["z"], init3);
    expect(chainedVsUnchained(doubled, x())).toEqual(["a", "b"]);
  });
});

describe("poolings the chain's (or a lone conv's) output feeds alone run in the chain", () => {
  const ints2 = (v: number) => ints([v, v]);
  test("2 convs → MaxPool 2×2 → GlobalAveragePool, and a lone conv → AveragePool with pads counted: unchained bits", () => {
    const init = new Map<string, Tensor>();
    const m = model(
      [
        conv(init, "x", "a", 5, 12, 1),
        node("HardSwish", ["a"], ["a_act"]),
        conv(init, "a_act", "b", 12, 12, 3, { group: int(12), pads: ints([1, 1, 1, 1]) }),
        node("MaxPool", ["b"], ["p"], { kernel_shape: ints2(2), strides: ints2(2), ceil_mode: int(1) }),
        node("GlobalAveragePool", ["p"], ["y"]),
      ],
      ["y"],
      init,
    );
    for (const batch of [1, 2]) {
      expect(chainedVsUnchained(m, randomTensor([batch, 5, 5, 9], 80 + batch, -2, 2))).toEqual(["a", "b"]);
    }
    const init2 = new Map<string, Tensor>();
    const lone = model(
      [
        conv(init2, "x", "a", 5, 7, 1),
        node("AveragePool", ["a"], ["y"], {
          kernel_shape: ints2(3),
          pads: ints([1, 1, 1, 1]),
          count_include_pad: int(1),
        }),
      ],
      ["y"],
      init2,
    );
    expect(chainedVsUnchained(lone, randomTensor([2, 5, 4, 6], 83, -2, 2))).toEqual(["a"]);
  });

  test("not when the pool is dilated, gives indices, or reads a value another node or the graph reads", () => {
    const x = () => randomTensor([1, 4, 6, 6], 84, -2, 2);
    const pool = (attrs: Record<string, Attribute>, outputs = ["y"]) =>
      node("MaxPool", ["a"], outputs, { kernel_shape: ints2(2), ...attrs });
    const build = (extra: Node[], outputs: string[]) => {
      const init = new Map<string, Tensor>();
      return model([conv(init, "x", "a", 4, 4, 1), ...extra], outputs, init);
    };
    expect(chainedVsUnchained(build([pool({ dilations: ints2(2) })], ["y"]), x())).toEqual([]);
    expect(chainedVsUnchained(build([pool({}, ["y", "i"])], ["y", "i"]), x())).toEqual([]);
    expect(chainedVsUnchained(build([pool({}), node("Neg", ["a"], ["n"])], ["y", "n"]), x())).toEqual([]);
    expect(chainedVsUnchained(build([pool({})], ["y", "a"]), x())).toEqual([]);
    // MaxPool → GlobalAveragePool where the MaxPool's output is a graph output: the chain stops at the MaxPool.
    const exposed = build([pool({}), node("GlobalAveragePool", ["y"], ["g"])], ["g", "y"]);
    expect(chainedVsUnchained(exposed, x())).toEqual(["a"]);
  });
});

describe("what must not chain", () => {
  test("an intermediate read twice: the chain breaks there (the convs around it may still chain)", () => {
    const init = new Map<string, Tensor>();
    const m = model(
      [
        conv(init, "x", "a", 3, 8, 1),
        conv(init, "a", "b", 8, 8, 3, { group: int(8), pads: ints([1, 1, 1, 1]) }),
        node("Neg", ["b"], ["nb"]),
        conv(init, "b", "c", 8, 8, 1),
        conv(init, "c", "y", 8, 4, 1),
      ],
      ["y", "nb"],
      init,
    );
    expect(chainedVsUnchained(m, randomTensor([1, 3, 9, 10], 12, -1, 1))).toEqual(["a", "c"]);
  });

  test("an intermediate that is a graph output, or read twice by the next conv", () => {
    const init = new Map<string, Tensor>();
    const exposed = model([conv(init, "x", "a", 3, 5, 1), conv(init, "a", "y", 5, 4, 1)], ["y", "a"], init);
    expect(chainedVsUnchained(exposed, randomTensor([1, 3, 6, 7], 13, -1, 1))).toEqual([]);
    // A fused activation's output exposed: the conv's epilogue ends there, so it is that value that counts.
    const init2 = new Map<string, Tensor>();
    const act = model(
      [
        conv(init2, "x", "a", 3, 5, 1),
        node("Relu", ["a"], ["r"]),
        conv(init2, "r", "y", 5, 4, 1),
      ],
      ["y", "r"],
      init2,
    );
    expect(chainedVsUnchained(act, randomTensor([1, 3, 6, 7], 14, -1, 1))).toEqual([]);
    // The next conv reads the value as data and as weights: not a chain link (and no fast op for it).
    const init3 = new Map<string, Tensor>();
    init3.set("w", randomTensor([2, 2, 1, 1], 15, -1, 1));
    const twice = model(
      [
        conv(init3, "x", "a", 2, 2, 1),
        node("Conv", ["a", "w"], ["y"], { kernel_shape: ints([1, 1]) }),
        node("Add", ["a", "y"], ["z"]),
      ],
      ["z"],
      init3,
    );
    expect(chainedVsUnchained(twice, randomTensor([1, 2, 3, 3], 16, -1, 1))).toEqual([]);
  });

  test("a non-conv node in between", () => {
    const init = new Map<string, Tensor>();
    const m = model(
      [
        conv(init, "x", "a", 3, 6, 1),
        node("MaxPool", ["a"], ["p"], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
        conv(init, "p", "y", 6, 4, 1),
      ],
      ["y"],
      init,
    );
    // The MaxPool ends a chain of one (a and the pool); the conv after it is not chained across the pool.
    expect(chainedVsUnchained(m, randomTensor([2, 3, 8, 8], 17, -1, 1))).toEqual(["a"]);
  });
});

describe("PP-OCR in normal mode: chained sessions give the unchained bits", () => {
  for (const name of ["ppocr_rec", "ppocr_cls", "ppocr_det"] as const) {
    test(name, async () => {
      const session = await InferenceSession.create(zooPath(name));
      if (session.kernelBackend === "reference") return;
      const feeds = zooFeeds(name);
      const got = session.runSync(feeds);
      const m = session.model;
      const plain = buildFastOps(m, kernels, undefined, { chainConvs: false });
      const chained = buildFastOps(m, kernels);
      const want = executeGraph(m.graph, new Map(Object.entries(feeds)), m.opsets[""] ?? 0, undefined, plain);
      m.graph.outputs.forEach((o, i) => {
        expect(got[o.name]!.dims).toEqual(want[i]!.dims);
        expect(bits(got[o.name]!)).toEqual(bits(want[i]!));
      });
      const chainedConvs = passing(m, chained).length;
      // PP-LCNet's backbone (rec, cls) is long runs of 1×1 → depthwise → 1×1.
      if (name !== "ppocr_det") expect(chainedConvs).toBeGreaterThan(5);
      expect(session.kernels.some((k) => k.startsWith("f32-dwconv2d-"))).toBe(true);
    }, 30_000);
  }
});
