/**
 * Pad: constant, edge, reflect and wrap padding of any dtype, with negative pads cropping. Pads come
 * from the `pads` attribute (opsets < 11) or input (≥ 11), optionally restricted to `axes` (≥ 18).
 * Negative pads crop first; the other side then pads the cropped tensor, as onnxruntime does.
 * @module
 */
import { isBigIntDType } from "../../../graph/dtype.ts";
import type { Node } from "../../../graph/graph.ts";
import { type Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { type FillValue, gatherMapped } from "./_gather_mapped.ts";

/** Pad modes bitloop runs. */
export type PadMode = "constant" | "reflect" | "edge" | "wrap";

/** Output index → input index along one axis (-1 = constant fill). */
export function padMap(n: number, begin: number, end: number, mode: PadMode): Int32Array {
  const cropBegin = Math.max(0, -begin), kept = n - cropBegin - Math.max(0, -end);
  const before = Math.max(0, begin), after = Math.max(0, end);
  if (kept < 0) throw new RangeError(`Pads ${begin}, ${end} crop more than the ${n} elements of the axis`);
  if (kept === 0 && mode !== "constant" && before + after > 0) {
    throw new RangeError(`Pad mode "${mode}" cannot pad an empty axis`);
  }
  const map = new Int32Array(before + kept + after);
  for (let i = 0; i < map.length; i++) {
    let j = i - before;
    if (j < 0 || j >= kept) {
      if (mode === "constant") {
        map[i] = -1;
        continue;
      }
      if (mode === "edge") j = j < 0 ? 0 : kept - 1;
      else if (mode === "wrap") j = ((j % kept) + kept) % kept;
      else if (kept === 1) j = 0;
      else {
        const period = 2 * (kept - 1);
        j = ((j % period) + period) % period;
        if (j >= kept) j = period - j;
      }
    }
    map[i] = cropBegin + j;
  }
  return map;
}

/** The pad amounts per axis (begin then end, length 2·rank) from the node's attribute or inputs. */
function padsOf(x: Tensor, pads: Tensor | undefined, axes: Tensor | undefined, attrs: Attrs): number[] {
  const rank = x.dims.length;
  if (!pads) {
    const p = attrs.ints("pads") ?? attrs.ints("paddings") ?? [];
    if (p.length !== 2 * rank) throw new RangeError(`Pad pads has ${p.length} values; X [${x.dims}] needs ${2 * rank}`);
    return p;
  }
  const p = toNumbers(pads);
  const which = axes ? toNumbers(axes).map((a) => normalizeAxis(a, rank)) : [...Array(rank).keys()];
  if (p.length !== 2 * which.length) {
    throw new RangeError(`Pad pads has ${p.length} values; expected ${2 * which.length} for X [${x.dims}]`);
  }
  const full = new Array<number>(2 * rank).fill(0);
  which.forEach((axis, i) => {
    full[axis] = p[i]!;
    full[rank + axis] = p[which.length + i]!;
  });
  return full;
}

function fillValue(x: Tensor, constant: Tensor | undefined, attrs: Attrs): FillValue {
  if (x.type === "string") return constant?.size ? constant.data[0] as string : "";
  const value = constant?.size ? constant.data[0]! : attrs.float("value", 0);
  if (isBigIntDType(x.type)) return typeof value === "bigint" ? value : BigInt(Math.trunc(value as number));
  return Number(value);
}

/** Pads (or crops) `x` as the Pad node describes. */
export function pad(inputs: readonly (Tensor | undefined)[], attrs: Attrs): Tensor {
  const [x, pads, constant, axes] = inputs;
  const mode = attrs.string("mode", "constant") as PadMode;
  const amounts = padsOf(x!, pads, axes, attrs);
  const rank = x!.dims.length;
  const maps = x!.dims.map((n, i) => padMap(n, amounts[i]!, amounts[rank + i]!, mode));
  return gatherMapped(x!, maps.map((m) => m.length), maps, fillValue(x!, constant, attrs));
}

function check(node: Node, opset: number): string | undefined {
  if (opset < 11 && node.inputs.length > 1) return "opsets before 11 take pads as an attribute, not an input";
  if (opset >= 11 && !node.inputs[1]) return "input pads is required from opset 11";
  const mode = node.attributes["mode"];
  if (mode?.kind === "string" && mode.value === "wrap" && opset < 19) return `mode "wrap" needs opset 19`;
  return undefined;
}

/** ONNX Pad (opsets 2–21), every dtype. */
export const padOp: OpDefinition = {
  op: "Pad",
  inputs: [1, 4],
  outputs: [1, 1],
  attributes: {
    mode: { kind: "string", values: ["constant", "reflect", "edge", "wrap"] },
    pads: { kind: "ints" },
    paddings: { kind: "ints" },
    value: { kind: "float" },
  },
  check,
  run: (inputs, attrs) => [pad(inputs, attrs)],
};
