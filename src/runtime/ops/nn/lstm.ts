/**
 * LSTM: one long short-term memory layer, forward, reverse or bidirectional, in either layout, with
 * optional bias, sequence lengths, initial states, peepholes, clip and coupled input/forget gates.
 *
 * Gate rows of W, R and B are in ONNX order i, o, f, c; peepholes P in order i, o, f. Per step:
 * `i = f(Wi·x + Ri·h + Pi∘C + b)`, `f = f(Wf·x + Rf·h + Pf∘C + b)` (or `1 - i` with input_forget),
 * `c = g(Wc·x + Rc·h + b)`, `C' = f∘C + i∘c`, `o = f(Wo·x + Ro·h + Po∘C' + b)`, `h' = o∘h(C')`,
 * where clip (when set) bounds every gate's pre-activation.
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

/** ONNX LSTM (opsets 7, 14, 22). Outputs Y, Y_h, Y_c. */
export const lstm: OpDefinition = {
  op: "LSTM",
  inputs: [3, 8],
  outputs: [0, 3],
  attributes: { ...RECURRENT_ATTRIBUTES, input_forget: { kind: "int", values: [0, 1] } },
  check: (node) => checkActivations(node, 3),
  run(inputs, attrs) {
    const [x, w, r, bias, sequenceLens, initialH, initialC, peephole] = inputs;
    const g = geometryOf(x!, r!, attrs);
    const { inputSize: I, hidden: H, directions } = g;
    expectDims(w, "W", [directions, 4 * H, I]);
    expectDims(r, "R", [directions, 4 * H, H]);
    expectDims(bias, "B", [directions, 8 * H]);
    expectDims(peephole, "P", [directions, 3 * H]);
    const W = floatData(w!, "W");
    const R = floatData(r!, "R");
    const P = peephole ? floatData(peephole, "P") : undefined;
    const acts = parseActivations(attrs, ["Sigmoid", "Tanh", "Tanh"], directions);
    const clip = attrs.has("clip") ? attrs.float("clip", Infinity) : Infinity;
    const inputForget = attrs.int("input_forget", 0) !== 0;
    // Wb + Rb per direction, gate order i, o, f, c.
    const biases = new Float64Array(directions * 4 * H);
    if (bias) {
      const B = floatData(bias, "B");
      for (let d = 0; d < directions; d++) {
        for (let j = 0; j < 4 * H; j++) biases[d * 4 * H + j] = B[d * 8 * H + j]! + B[d * 8 * H + 4 * H + j]!;
      }
    }
    const gates = new Float64Array(4 * H);
    const { y, finals } = runRecurrent({
      geometry: g,
      x: x!,
      sequenceLens,
      initial: [initialH, initialC],
      step(d, xs, xo, states) {
        const h = states[0]!, c = states[1]!;
        const [fAct, gAct, hAct] = [acts[3 * d]!, acts[3 * d + 1]!, acts[3 * d + 2]!];
        gates.set(biases.subarray(d * 4 * H, (d + 1) * 4 * H));
        addMatVec(W, d * 4 * H * I, 4 * H, I, xs, xo, gates, 0);
        addMatVec(R, d * 4 * H * H, 4 * H, H, h, 0, gates, 0);
        const io = 0, oo = H, fo = 2 * H, co = 3 * H;
        const po = d * 3 * H;
        if (P) {
          for (let k = 0; k < H; k++) {
            gates[io + k] = gates[io + k]! + P[po + k]! * c[k]!;
            gates[fo + k] = gates[fo + k]! + P[po + 2 * H + k]! * c[k]!;
          }
        }
        clamp(gates, io, H, clip);
        activate(fAct, gates, io, H);
        if (inputForget) {
          for (let k = 0; k < H; k++) gates[fo + k] = 1 - gates[io + k]!;
        } else {
          clamp(gates, fo, H, clip);
          activate(fAct, gates, fo, H);
        }
        clamp(gates, co, H, clip);
        activate(gAct, gates, co, H);
        for (let k = 0; k < H; k++) c[k] = gates[fo + k]! * c[k]! + gates[io + k]! * gates[co + k]!;
        if (P) { for (let k = 0; k < H; k++) gates[oo + k] = gates[oo + k]! + P[po + H + k]! * c[k]!; }
        clamp(gates, oo, H, clip);
        activate(fAct, gates, oo, H);
        // h' = o ∘ h(C'); reuse the cell-gate slot for h(C').
        for (let k = 0; k < H; k++) gates[co + k] = c[k]!;
        activate(hAct, gates, co, H);
        for (let k = 0; k < H; k++) h[k] = gates[oo + k]! * gates[co + k]!;
      },
    });
    return [y, finals[0]!, finals[1]!];
  },
};
