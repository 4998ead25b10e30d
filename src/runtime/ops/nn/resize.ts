/**
 * Resize (opsets 10–21) and the deprecated Upsample (opsets 7–9), one implementation: output size from
 * `scales` or `sizes` (optionally on `axes`, with `keep_aspect_ratio_policy`), every coordinate
 * transformation mode, nearest (all rounding modes, any dtype), linear and cubic (float, separable over
 * any axes). Output sizes and coordinates use float32 arithmetic exactly as onnxruntime does.
 * Anti-aliasing is rejected at load.
 * @module
 */
import type { Node } from "../../../graph/graph.ts";
import { type Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import {
  type CoordinateMode,
  type NearestMode,
  resizeInterpolated,
  resizeNearest,
  type ResizePlan,
} from "./_resize_kernels.ts";

const f = Math.fround;

/** Where a node keeps its scales, sizes and roi. */
interface ResizeOperands {
  scales: number[] | undefined;
  sizes: number[] | undefined;
  roi: number[] | undefined;
}

function nonEmpty(t: Tensor | undefined): number[] | undefined {
  return t && t.size > 0 ? toNumbers(t) : undefined;
}

function operands(inputs: readonly (Tensor | undefined)[], attrs: Attrs, op: string, opset: number): ResizeOperands {
  if (op === "Upsample") {
    return { scales: opset >= 9 ? nonEmpty(inputs[1]) : attrs.floats("scales"), sizes: undefined, roi: undefined };
  }
  if (opset < 11) return { scales: nonEmpty(inputs[1]), sizes: undefined, roi: undefined };
  return { roi: nonEmpty(inputs[1]), scales: nonEmpty(inputs[2]), sizes: nonEmpty(inputs[3]) };
}

/** Output dims and per-axis float32 scales of a resize, following onnxruntime's rules. */
export function resizeShape(
  inDims: readonly number[],
  given: { scales: number[] | undefined; sizes: number[] | undefined },
  axes: readonly number[],
  policy: string,
  minScale: number,
): { outDims: number[]; scales: number[] } {
  const outDims = [...inDims], scales = inDims.map(() => 1);
  if (given.sizes) {
    if (given.sizes.length !== axes.length) {
      throw new RangeError(`Resize sizes has ${given.sizes.length} values; expected ${axes.length}`);
    }
    axes.forEach((axis, i) => {
      outDims[axis] = given.sizes![i]!;
      scales[axis] = inDims[axis] === 0 ? 1 : f(f(outDims[axis]!) / f(inDims[axis]!));
    });
    if (policy !== "stretch") {
      const chosen = axes.map((a) => scales[a]!);
      const scale = policy === "not_larger" ? Math.min(...chosen) : Math.max(...chosen);
      for (const axis of axes) {
        scales[axis] = scale;
        const v = f(scale * inDims[axis]!);
        outDims[axis] = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
      }
    }
  } else if (given.scales) {
    if (given.scales.length !== axes.length) {
      throw new RangeError(`Resize scales has ${given.scales.length} values; expected ${axes.length}`);
    }
    axes.forEach((axis, i) => {
      scales[axis] = f(given.scales![i]!);
      outDims[axis] = Math.trunc(f(scales[axis]! * inDims[axis]!));
    });
  } else {
    throw new RangeError("Resize needs a non-empty scales or sizes input");
  }
  for (const s of scales) {
    if (!(s >= minScale && s > 0)) {
      throw new RangeError(`Resize scale ${s} is out of range (must be ≥ ${minScale}, > 0)`);
    }
  }
  return { outDims, scales };
}

/** Builds the resize plan of a Resize or Upsample node for input `x`. */
export function resizePlan(
  inputs: readonly (Tensor | undefined)[],
  attrs: Attrs,
  op: string,
  opset: number,
): ResizePlan {
  const x = inputs[0]!;
  const rank = x.dims.length;
  if (rank === 0) throw new RangeError(`${op} needs an input of rank ≥ 1`);
  const given = operands(inputs, attrs, op, opset);
  const axes = (attrs.ints("axes") ?? [...Array(rank).keys()]).map((a) => normalizeAxis(a, rank));
  const legacy = op === "Upsample" || opset < 11;
  const policy = attrs.string("keep_aspect_ratio_policy", "stretch");
  const { outDims, scales } = resizeShape(x.dims, given, axes, policy, op === "Upsample" ? 1 : 0);
  const roiStart = new Array<number>(rank).fill(0), roiEnd = new Array<number>(rank).fill(1);
  const coordinateMode =
    (legacy ? "asymmetric" : attrs.string("coordinate_transformation_mode", "half_pixel")) as CoordinateMode;
  if (coordinateMode === "tf_crop_and_resize") {
    if (!given.roi || given.roi.length !== 2 * axes.length) {
      throw new RangeError(`Resize tf_crop_and_resize needs an roi of ${2 * axes.length} values`);
    }
    axes.forEach((axis, i) => {
      roiStart[axis] = f(given.roi![i]!);
      roiEnd[axis] = f(given.roi![axes.length + i]!);
    });
  }
  return {
    mode: attrs.string("mode", "nearest") as ResizePlan["mode"],
    coordinateMode,
    nearestMode: (legacy ? "simple" : attrs.string("nearest_mode", "round_prefer_floor")) as NearestMode,
    outDims,
    scales,
    roiStart,
    roiEnd,
    cubicCoeffA: attrs.float("cubic_coeff_a", -0.75),
    excludeOutside: attrs.int("exclude_outside", 0) !== 0,
    extrapolationValue: attrs.float("extrapolation_value", 0),
  };
}

function run(inputs: readonly (Tensor | undefined)[], attrs: Attrs, op: string, opset: number): Tensor {
  const x = inputs[0]!;
  const plan = resizePlan(inputs, attrs, op, opset);
  if (plan.outDims.every((d, i) => d === x.dims[i])) return x;
  return plan.mode === "nearest" ? resizeNearest(x, plan) : resizeInterpolated(x, plan);
}

function checkResize(node: Node, opset: number): string | undefined {
  const coord = node.attributes["coordinate_transformation_mode"];
  if (coord?.kind === "string" && coord.value === "half_pixel_symmetric" && opset < 19) {
    return `coordinate_transformation_mode "half_pixel_symmetric" needs opset 19`;
  }
  if (opset < 11 && node.inputs.length !== 2) return "Resize-10 takes exactly two inputs (X, scales)";
  if (opset >= 11 && !node.inputs[2] && !node.inputs[3]) return "one of the inputs scales or sizes is required";
  return undefined;
}

/** ONNX Resize (opsets 10–21): nearest, linear and cubic; no anti-aliasing. */
export const resize: OpDefinition = {
  op: "Resize",
  inputs: [2, 4],
  outputs: [1, 1],
  attributes: {
    mode: { kind: "string", values: ["nearest", "linear", "cubic"] },
    coordinate_transformation_mode: {
      kind: "string",
      values: [
        "half_pixel",
        "half_pixel_symmetric",
        "pytorch_half_pixel",
        "align_corners",
        "asymmetric",
        "tf_half_pixel_for_nn",
        "tf_crop_and_resize",
      ],
    },
    nearest_mode: { kind: "string", values: ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] },
    cubic_coeff_a: { kind: "float" },
    exclude_outside: { kind: "int", values: [0, 1] },
    extrapolation_value: { kind: "float" },
    antialias: { kind: "int", values: [0] },
    axes: { kind: "ints" },
    keep_aspect_ratio_policy: { kind: "string", values: ["stretch", "not_larger", "not_smaller"] },
  },
  check: checkResize,
  run: (inputs, attrs, ctx) => [run(inputs, attrs, "Resize", ctx.opset)],
};

/** ONNX Upsample (opsets 7–9, deprecated): Resize with asymmetric coordinates. */
export const upsample: OpDefinition = {
  op: "Upsample",
  inputs: [1, 2],
  outputs: [1, 1],
  attributes: {
    mode: { kind: "string", values: ["nearest", "linear"] },
    scales: { kind: "floats" },
  },
  check: (node, opset) =>
    opset >= 9
      ? node.inputs[1] ? undefined : "Upsample-9 needs the scales input"
      : node.attributes["scales"]
      ? undefined
      : "Upsample before opset 9 needs the scales attribute",
  run: (inputs, attrs, ctx) => [run(inputs, attrs, "Upsample", ctx.opset)],
};
