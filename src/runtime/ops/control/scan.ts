/**
 * Scan: runs its `body` subgraph once per slice of the scan inputs (along `scan_input_axes`, forwards or
 * backwards), threading state values through the iterations and stacking the body's scan outputs
 * along `scan_output_axes` (appended, or prepended when the output direction is 1). The body takes
 * (state..., scan slices...) and returns (state..., scan output elements...); it sees the enclosing scope.
 * @module
 */
import type { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { sliceAt, stack } from "./_stack.ts";

/** ONNX Scan (opsets 9–21; the batched opset-8 form is not supported). */
export const scan: OpDefinition = {
  op: "Scan",
  inputs: [1, Infinity],
  outputs: [1, Infinity],
  attributes: {
    body: { kind: "graph" },
    num_scan_inputs: { kind: "int" },
    scan_input_axes: { kind: "ints" },
    scan_input_directions: { kind: "ints" },
    scan_output_axes: { kind: "ints" },
    scan_output_directions: { kind: "ints" },
  },
  check(node, opset) {
    if (opset < 9) return "the opset-8 Scan (with a batch axis and sequence_lens) is not supported";
    const a = node.attributes;
    if (a.body?.kind !== "graph") return "needs a body graph attribute";
    if (a.num_scan_inputs?.kind !== "int") return "needs the num_scan_inputs attribute";
    const m = a.num_scan_inputs.value;
    const states = node.inputs.length - m;
    if (m < 1 || states < 0) return `num_scan_inputs = ${m} does not fit ${node.inputs.length} inputs`;
    if (a.body.value.inputs.length !== node.inputs.length) {
      return `body takes ${a.body.value.inputs.length} inputs; the node has ${node.inputs.length}`;
    }
    if (a.body.value.outputs.length !== node.outputs.length) {
      return `body returns ${a.body.value.outputs.length} outputs; the node has ${node.outputs.length}`;
    }
    return undefined;
  },
  run(inputs, attrs, ctx) {
    const body = attrs.graph("body");
    const m = attrs.int("num_scan_inputs", 1);
    const n = inputs.length - m;
    const present = inputs.map((t, i) => {
      if (!t) throw new TypeError(`Scan input ${i} is missing`);
      return t;
    });
    let states = present.slice(0, n);
    const scanInputs = present.slice(n);
    const inAxes = scanInputs.map((t, i) => normalizeAxis(attrs.ints("scan_input_axes", [])[i] ?? 0, t.dims.length));
    const inBackwards = scanInputs.map((_, i) => (attrs.ints("scan_input_directions", [])[i] ?? 0) === 1);
    const steps = scanInputs[0]!.dims[inAxes[0]!]!;
    scanInputs.forEach((t, i) => {
      if (t.dims[inAxes[i]!] !== steps) {
        throw new RangeError(
          `Scan input ${n + i} has ${t.dims[inAxes[i]!]} steps along axis ${inAxes[i]}; scan input ${n} has ${steps}`,
        );
      }
    });
    const k = body.outputs.length - n;
    const parts: Tensor[][] = Array.from({ length: k }, () => []);
    for (let s = 0; s < steps; s++) {
      const feeds = new Map<string, Tensor>();
      states.forEach((t, i) => feeds.set(body.inputs[i]!.name, t));
      scanInputs.forEach((t, i) => {
        feeds.set(body.inputs[n + i]!.name, sliceAt(t, inAxes[i]!, inBackwards[i] ? steps - 1 - s : s));
      });
      const out = ctx.runSubgraph(body, feeds);
      states = out.slice(0, n);
      for (let j = 0; j < k; j++) parts[j]!.push(out[n + j]!);
    }
    const outAxes = attrs.ints("scan_output_axes", []);
    const outBackwards = attrs.ints("scan_output_directions", []);
    const stacked = parts.map((p, j) => {
      const info = body.outputs[n + j]!;
      const shape = info.shape?.every((d): d is number => typeof d === "number") ? info.shape : [];
      const rank = (p[0]?.dims.length ?? shape.length) + 1;
      const axis = normalizeAxis(outAxes[j] ?? 0, rank);
      const ordered = outBackwards[j] === 1 ? [...p].reverse() : p;
      return stack(ordered, `Scan output ${j}`, info.dtype ?? "float32", shape, axis);
    });
    return [...states, ...stacked];
  },
};
