/**
 * Slicing and stacking along one axis, for the per-iteration values of Loop and Scan.
 * @module
 */
import { allocate, type DType, type TensorData } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";

/** Sizes before, at and after `axis` of `dims`. */
function split(dims: readonly number[], axis: number): [outer: number, len: number, inner: number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= dims[i]!;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
  return [outer, dims[axis]!, inner];
}

function copy(src: TensorData, from: number, dst: TensorData, to: number, n: number): void {
  if (Array.isArray(src) || Array.isArray(dst)) {
    for (let k = 0; k < n; k++) (dst as string[])[to + k] = (src as string[])[from + k]!;
  } else {
    (dst as Float32Array).set((src as Float32Array).subarray(from, from + n), to);
  }
}

/** The slice of `t` at `index` along `axis`, with that axis removed. */
export function sliceAt(t: Tensor, axis: number, index: number): Tensor {
  const [outer, len, inner] = split(t.dims, axis);
  const data = allocate(t.type, outer * inner);
  for (let o = 0; o < outer; o++) copy(t.data, (o * len + index) * inner, data, o * inner, inner);
  return new Tensor(t.type, data, t.dims.filter((_, i) => i !== axis));
}

/**
 * Stacks same-shaped tensors along a new axis `axis` (0 = first). With no parts, returns an empty
 * tensor of `fallbackType` and `fallbackShape` with a 0 inserted at `axis`. Throws RangeError naming
 * `what` when the parts disagree in dtype or shape.
 */
export function stack(
  parts: readonly Tensor[],
  what: string,
  fallbackType: DType,
  fallbackShape: readonly number[],
  axis = 0,
): Tensor {
  const first = parts[0];
  if (!first) {
    const dims = [...fallbackShape.slice(0, axis), 0, ...fallbackShape.slice(axis)];
    return new Tensor(fallbackType, allocate(fallbackType, 0), dims);
  }
  const dims = [...first.dims.slice(0, axis), parts.length, ...first.dims.slice(axis)];
  const [outer, len, inner] = split(dims, axis);
  const data = allocate(first.type, first.size * parts.length);
  parts.forEach((p, t) => {
    if (p.type !== first.type || p.dims.length !== first.dims.length || p.dims.some((d, k) => d !== first.dims[k])) {
      throw new RangeError(
        `${what}: iteration ${t} gave ${p.type} [${p.dims.join(", ")}], iteration 0 gave ${first.type} [${
          first.dims.join(", ")
        }]`,
      );
    }
    for (let o = 0; o < outer; o++) copy(p.data, o * inner, data, (o * len + t) * inner, inner);
  });
  return new Tensor(first.type, data, dims);
}
