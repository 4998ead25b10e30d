// Terse graph builders the tests share.
import type { Attribute, Model, Node } from "../src/graph/graph.ts";
import type { Tensor } from "../src/graph/tensor.ts";

/** A default-domain node named after its first output. */
export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, Attribute> = {},
): Node {
  return { name: `${op}_${outputs[0]}`, op, domain: "", inputs, outputs, attributes };
}

/**
 * A model (opset 13 unless given) whose graph runs `nodes`, takes the float32 `inputs` (shapes left open)
 * and returns `outputs`.
 */
export function graphModel(
  nodes: Node[],
  o: {
    inputs: string[];
    outputs: string[];
    initializers?: Record<string, Tensor> | Map<string, Tensor>;
    opset?: number;
  },
): Model {
  const init = o.initializers ?? {};
  return {
    irVersion: 8,
    opsets: { "": o.opset ?? 13 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "test",
      inputs: o.inputs.map((name) => ({ name, dtype: "float32", shape: undefined })),
      outputs: o.outputs.map((name) => ({ name, dtype: undefined, shape: undefined })),
      initializers: init instanceof Map ? init : new Map(Object.entries(init)),
      quantized: new Map(),
      nodes,
      valueInfo: new Map(),
    },
  };
}

/**
 * A squeeze-and-excitation block on `x` as Paddle exports PP-LCNet's: GlobalAveragePool → 1×1 Conv `w1` → Relu →
 * 1×1 Conv `w2` → HardSigmoid → `Mul(x, s)` into `out` (`Mul(s, x)` when `gateFirst`). The values between are
 * `g`, `r`, `r2`, `t` and `s` (one block per graph).
 */
export function squeezeExcite(x: string, w1: string, w2: string, out: string, gateFirst = false): Node[] {
  return [
    node("GlobalAveragePool", [x], ["g"]),
    node("Conv", ["g", w1], ["r"]),
    node("Relu", ["r"], ["r2"]),
    node("Conv", ["r2", w2], ["t"]),
    node("HardSigmoid", ["t"], ["s"]),
    node("Mul", gateFirst ? ["s", x] : [x, "s"], [out]),
  ];
}
