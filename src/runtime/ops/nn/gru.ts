/**
 * GRU: one gated recurrent unit layer, forward, reverse or bidirectional, in either layout, with
 * optional bias, sequence lengths, initial state, clip and both reset placements.
 *
 * Gate rows of W, R and B are in ONNX order z, r, h. Per step: `z = f(Wz·x + Rz·h + Wbz + Rbz)`,
 * `r = f(Wr·x + Rr·h + Wbr + Rbr)`, then `ĥ = g(Wh·x + Rh·(r∘h) + Rbh + Wbh)` (linear_before_reset = 0)
 * or `ĥ = g(Wh·x + r∘(Rh·h + Rbh) + Wbh)` (linear_before_reset = 1), and `h' = (1 - z)∘ĥ + z∘h`;
 * clip (when set) bounds every gate's pre-activation.
 * @module
 */
import type { OpDefinition } from "../../op.ts";
import {
  activate,
  addMatVec,
  checkActivations,
  clamp,
  expectDims,
  floatData,
  geometryOf,
  parseActivations,
  RECURRENT_ATTRIBUTES,
  runRecurrent,
} from "./_recurrent.ts";

/** ONNX GRU (opsets 7, 14, 22). Outputs Y, Y_h. */
export const gru: OpDefinition = {
  op: "GRU",
  inputs: [3, 6],
  outputs: [0, 2],
  attributes: { ...RECURRENT_ATTRIBUTES, linear_before_reset: { kind: "int" } },
  check: (node) => checkActivations(node, 2),
  run(inputs, attrs) {
    const [x, w, r, bias, sequenceLens, initialH] = inputs;
    const g = geometryOf(x!, r!, attrs);
    const { inputSize: I, hidden: H, directions } = g;
    expectDims(w, "W", [directions, 3 * H, I]);
    expectDims(r, "R", [directions, 3 * H, H]);
    expectDims(bias, "B", [directions, 6 * H]);
    const W = floatData(w!, "W");
    const R = floatData(r!, "R");
    const B = bias ? floatData(bias, "B") : new Float64Array(directions * 6 * H);
    const acts = parseActivations(attrs, ["Sigmoid", "Tanh"], directions);
    const clip = attrs.has("clip") ? attrs.float("clip", Infinity) : Infinity;
    const linearBeforeReset = attrs.int("linear_before_reset", 0) !== 0;
    const gates = new Float64Array(3 * H);
    const recurrent = new Float64Array(H);
    const { y, finals } = runRecurrent({
      geometry: g,
      x: x!,
      sequenceLens,
      initial: [initialH],
      step(d, xs, xo, states) {
        const h = states[0]!;
        const fAct = acts[2 * d]!, gAct = acts[2 * d + 1]!;
        const wb = d * 6 * H, rb = wb + 3 * H;
        const zo = 0, ro = H, ho = 2 * H;
        for (let j = 0; j < 3 * H; j++) gates[j] = B[wb + j]!;
        for (let j = 0; j < 2 * H; j++) gates[j] = gates[j]! + B[rb + j]!;
        addMatVec(W, d * 3 * H * I, 3 * H, I, xs, xo, gates, 0);
        addMatVec(R, d * 3 * H * H, 2 * H, H, h, 0, gates, 0);
        clamp(gates, zo, 2 * H, clip);
        activate(fAct, gates, zo, 2 * H);
        const rh = d * 3 * H * H + 2 * H * H;
        if (linearBeforeReset) {
          for (let k = 0; k < H; k++) recurrent[k] = B[rb + ho + k]!;
          addMatVec(R, rh, H, H, h, 0, recurrent, 0);
          for (let k = 0; k < H; k++) gates[ho + k] = gates[ho + k]! + gates[ro + k]! * recurrent[k]!;
        } else {
          for (let k = 0; k < H; k++) {
            gates[ho + k] = gates[ho + k]! + B[rb + ho + k]!;
            recurrent[k] = gates[ro + k]! * h[k]!;
          }
          addMatVec(R, rh, H, H, recurrent, 0, gates, ho);
        }
        clamp(gates, ho, H, clip);
        activate(gAct, gates, ho, H);
        for (let k = 0; k < H; k++) {
          const z = gates[zo + k]!;
          h[k] = (1 - z) * gates[ho + k]! + z * h[k]!;
        }
      },
    });
    return [y, finals[0]!];
  },
};
