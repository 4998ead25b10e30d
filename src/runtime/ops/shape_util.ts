/**
 * Shape arithmetic shared by the op families: axis normalization and multidirectional (NumPy)
 * broadcasting as ONNX defines it.
 * @module
 */

/** Maps a possibly negative axis into `0..rank-1`; throws RangeError when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`Axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** The broadcast shape of several shapes; throws RangeError when they are incompatible. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === out[o]) continue;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1) {
        throw new RangeError(`Shapes ${shapes.map((x) => `[${x.join(", ")}]`).join(" and ")} cannot be broadcast`);
      }
    }
  }
  return out;
}

/**
 * For each element of a `outShape` tensor, the flat index into a tensor of shape `inShape` that
 * broadcasts to it. Returns an Int32Array of length product(outShape).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  let size = 1;
  for (const d of outShape) size *= d;
  const index = new Int32Array(size);
  const rank = outShape.length;
  const offset = rank - inShape.length;
  const inStrides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    inStrides[i + offset] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i]!;
  }
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let i = 0; i < size; i++) {
    index[i] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      flat += inStrides[d]!;
      if (counter[d]! < outShape[d]!) break;
      flat -= inStrides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return index;
}
