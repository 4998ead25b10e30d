/**
 * RNN: one simple recurrent layer, forward, reverse or bidirectional, in either layout, with optional
 * bias, sequence lengths, initial state and clip. Per step `h' = f(Wi·x + Ri·h + Wbi + Rbi)`, clip (when
 * set) bounding the pre-activation.
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

/** ONNX RNN (opsets 7, 14, 22). Outputs Y, Y_h. */
export const rnn: OpDefinition = {
  op: "RNN",
  inputs: [3, 6],
  outputs: [0, 2],
  attributes: RECURRENT_ATTRIBUTES,
  check: (node) => checkActivations(node, 1),
  run(inputs, attrs) {
    const [x, w, r, bias, sequenceLens, initialH] = inputs;
    const g = geometryOf(x!, r!, attrs);
    const { inputSize: I, hidden: H, directions } = g;
    expectDims(w, "W", [directions, H, I]);
    expectDims(r, "R", [directions, H, H]);
    expectDims(bias, "B", [directions, 2 * H]);
    const W = floatData(w!, "W");
    const R = floatData(r!, "R");
    const acts = parseActivations(attrs, ["Tanh"], directions);
    const clip = attrs.has("clip") ? attrs.float("clip", Infinity) : Infinity;
    // Wb + Rb per direction.
    const biases = new Float64Array(directions * H);
    if (bias) {
      const B = floatData(bias, "B");
      for (let d = 0; d < directions; d++) {
        for (let j = 0; j < H; j++) biases[d * H + j] = B[d * 2 * H + j]! + B[d * 2 * H + H + j]!;
      }
    }
    const pre = new Float64Array(H);
    const { y, finals } = runRecurrent({
      geometry: g,
      x: x!,
      sequenceLens,
      initial: [initialH],
      step(d, xs, xo, states) {
        const h = states[0]!;
        pre.set(biases.subarray(d * H, (d + 1) * H));
        addMatVec(W, d * H * I, H, I, xs, xo, pre, 0);
        addMatVec(R, d * H * H, H, H, h, 0, pre, 0);
        clamp(pre, 0, H, clip);
        activate(acts[d]!, pre, 0, H);
        h.set(pre);
      },
    });
    return [y, finals[0]!];
  },
};
