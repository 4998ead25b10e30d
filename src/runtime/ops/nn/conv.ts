/**
 * Conv: 1-D, 2-D and 3-D float32 convolution with groups, strides, dilations, explicit pads or
 * `auto_pad`, and an optional bias. Three paths: one input channel per group (depthwise, direct loops);
 * 1×1 stride-1 unpadded (a transpose, then GEMM); everything else (im2row, then GEMM). Patches are built
 * in chunks of output positions so scratch memory stays bounded whatever the image size.
 * @module
 */
import { Tensor } from "../../../graph/tensor.ts";
import type { Node } from "../../../graph/graph.ts";
import type { Attrs, OpDefinition } from "../../op.ts";
import { depthwisePlane, type Geometry3, im2row, transposeColumns } from "./_conv_kernels.ts";
import { multiplyMatrices, panelElements } from "../math/multiply_matrices.ts";
import { AUTO_PAD_VALUES, resolveWindow, toThreeAxes, type Window } from "./_window.ts";

/** Upper bound on the floats of one chunk of patches (16 MiB). */
const PATCH_CHUNK_FLOATS = 1 << 22;

let scratch = new Float32Array(0);

/** A reusable float32 scratch buffer of at least `n` elements (kernels never run re-entrantly). */
function patchBuffer(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(n);
  return scratch;
}

/** The three-axis geometry of a resolved window over input spatial shape `inShape`. */
export function geometry3(inShape: readonly number[], win: Window): Geometry3 {
  const [inD, inH, inW] = toThreeAxes(inShape, 1);
  const [outD, outH, outW] = toThreeAxes(win.outShape, 1);
  const [kD, kH, kW] = toThreeAxes(win.kernel, 1);
  const [sD, sH, sW] = toThreeAxes(win.strides, 1);
  const [dD, dH, dW] = toThreeAxes(win.dilations, 1);
  const [pD, pH, pW] = toThreeAxes(win.padsBegin, 0);
  return { inD, inH, inW, outD, outH, outW, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW };
}

/** Checks Conv's operands and returns the resolved window and group count. */
function prepare(x: Tensor, w: Tensor, b: Tensor | undefined, attrs: Attrs): { win: Window; group: number } {
  if (x.type !== "float32" || w.type !== "float32" || (b && b.type !== "float32")) {
    throw new TypeError(`Conv supports float32 only; got X ${x.type}, W ${w.type}${b ? `, B ${b.type}` : ""}`);
  }
  const spatial = x.dims.length - 2;
  if (spatial < 1 || spatial > 3 || w.dims.length !== x.dims.length) {
    throw new RangeError(`Conv needs X and W of equal rank 3..5; got X [${x.dims}] and W [${w.dims}]`);
  }
  const group = attrs.int("group", 1);
  const channels = x.dims[1]!, filters = w.dims[0]!;
  if (group < 1 || channels % group !== 0 || filters % group !== 0 || w.dims[1] !== channels / group) {
    throw new RangeError(`Conv with group=${group} cannot take X [${x.dims}] with W [${w.dims}]`);
  }
  if (b && (b.dims.length !== 1 || b.dims[0] !== filters)) {
    throw new RangeError(`Conv bias must have shape [${filters}], got [${b.dims}]`);
  }
  const kernel = w.dims.slice(2);
  const declared = attrs.ints("kernel_shape");
  if (declared && declared.join() !== kernel.join()) {
    throw new RangeError(`Conv kernel_shape [${declared}] does not match W [${w.dims}]`);
  }
  return { win: resolveWindow(x.dims.slice(2), kernel, attrs), group };
}

/** Computes a float32 convolution (see the module doc). */
export function convolve(x: Tensor, w: Tensor, b: Tensor | undefined, attrs: Attrs): Tensor {
  const { win, group } = prepare(x, w, b, attrs);
  const g = geometry3(x.dims.slice(2), win);
  const [batch, channels] = [x.dims[0]!, x.dims[1]!];
  const filters = w.dims[0]!;
  const xd = x.data as Float32Array, wd = w.data as Float32Array, bd = b?.data as Float32Array | undefined;
  const inPlane = g.inD * g.inH * g.inW, outPlane = g.outD * g.outH * g.outW;
  const out = new Float32Array(batch * filters * outPlane);
  const cPerGroup = channels / group, mPerGroup = filters / group;
  const kSize = cPerGroup * g.kD * g.kH * g.kW;
  if (cPerGroup === 1) {
    const acc = new Float64Array(g.outW);
    for (let n = 0; n < batch; n++) {
      for (let m = 0; m < filters; m++) {
        const xOff = (n * channels + Math.floor(m / mPerGroup)) * inPlane;
        depthwisePlane(xd, xOff, wd, m * kSize, bd ? bd[m]! : 0, out, (n * filters + m) * outPlane, g, acc);
      }
    }
    return new Tensor("float32", out, [batch, filters, ...win.outShape]);
  }
  const pointwise = kSize === cPerGroup && win.strides.every((s) => s === 1) &&
    win.padsBegin.every((p) => p === 0) && win.padsEnd.every((p) => p === 0);
  const chunk = Math.max(4, Math.min(outPlane, Math.floor(PATCH_CHUNK_FLOATS / kSize)));
  const patches = patchBuffer(chunk * kSize);
  const panel = new Float64Array(panelElements(chunk, kSize));
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * channels + gi * cPerGroup) * inPlane;
      for (let first = 0; first < outPlane; first += chunk) {
        const end = Math.min(outPlane, first + chunk);
        if (pointwise) transposeColumns(xd, xOff, cPerGroup, inPlane, first, end, patches);
        else im2row(xd, xOff, cPerGroup, g, first, end, patches);
        // weights [m, k] (rows kSize apart) times patchesᵀ: patches are [n, k], read as k×n.
        multiplyMatrices(
          { data: wd, offset: gi * mPerGroup * kSize, rowStride: kSize, colStride: 1 },
          { data: patches, offset: 0, rowStride: 1, colStride: kSize },
          out,
          (n * filters + gi * mPerGroup) * outPlane + first,
          mPerGroup,
          end - first,
          kSize,
          1,
          panel,
          { ldc: outPlane, ...(bd ? { bias: bd, biasOffset: gi * mPerGroup } : {}) },
        );
      }
    }
  }
  return new Tensor("float32", out, [batch, filters, ...win.outShape]);
}

/** Load-time checks shared by Conv and ConvTranspose: at most three spatial axes. */
export function checkSpatialRank(node: Node): string | undefined {
  for (const name of ["kernel_shape", "strides", "dilations"]) {
    const a = node.attributes[name];
    if (a?.kind === "ints" && a.value.length > 3) return `${name} has ${a.value.length} axes; bitloop supports 1..3`;
  }
  return undefined;
}

/** ONNX Conv (opsets 1–22), float32. */
export const conv: OpDefinition = {
  op: "Conv",
  inputs: [2, 3],
  outputs: [1, 1],
  attributes: {
    auto_pad: { kind: "string", values: AUTO_PAD_VALUES },
    dilations: { kind: "ints" },
    group: { kind: "int" },
    kernel_shape: { kind: "ints" },
    pads: { kind: "ints" },
    strides: { kind: "ints" },
  },
  check: checkSpatialRank,
  run: ([x, w, b], attrs) => [convolve(x!, w!, b, attrs)],
};
