/**
 * Fast paths for the float32 elementwise ops left between the fused kernels: `Add`, `Sub`, `Mul`, `Div`
 * on equal shapes, with a scalar, or with a per-plane operand (`[N|1, C|1, 1, 1]` against `[N, C, H, W]`:
 * the SE block's channel scale, a per-channel bias), and `Sigmoid`/`Relu`. Each loop is monomorphic over
 * `Float32Array` and computes exactly what the reference kernel computes (the same double-precision
 * operation rounded once to float32), so results stay bit-identical; a call the fast path does not
 * cover (other dtypes, other broadcasts) runs the reference kernel.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { OpDefinition } from "../op.ts";
import { BINARY, type BinaryCode, binaryVS } from "./_binary_rows.ts";

/**
 * `o[i] = a[i] ∘ b[i]` for `i < n`: `_binary_rows.ts`'s `binaryVV` without its offsets, which made V8's
 * loop 1.7× slower on equal-shape Add (the most frequent form).
 */
function rowVV(op: BinaryCode, o: Float32Array, a: Float32Array, b: Float32Array, n: number) {
  switch (op) {
    case 0:
      for (let i = 0; i < n; i++) o[i] = a[i]! + b[i]!;
      break;
    case 1:
      for (let i = 0; i < n; i++) o[i] = a[i]! - b[i]!;
      break;
    case 2:
      for (let i = 0; i < n; i++) o[i] = a[i]! * b[i]!;
      break;
    default:
      for (let i = 0; i < n; i++) o[i] = a[i]! / b[i]!;
  }
}

/** True when `a` and `b` are the same shape. */
export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * For `small` against a rank-4 `big`: per-plane `[index strides]` when small is `[N|1, C|1, 1, 1]`-shaped (the
 * index of plane `(i, j)` of `big` in small is `i·strides[0] + j·strides[1]`), else undefined.
 */
export function planeBroadcast(big: readonly number[], small: readonly number[]): [number, number] | undefined {
  if (big.length !== 4 || small.length > 4) return undefined;
  const s = [...new Array<number>(4 - small.length).fill(1), ...small];
  const [n, c] = big as [number, number];
  if (s[2] !== 1 || s[3] !== 1 || (s[0] !== 1 && s[0] !== n) || (s[1] !== 1 && s[1] !== c)) return undefined;
  return [s[0] === 1 ? 0 : s[1]!, s[1] === 1 ? 0 : 1];
}

/** `a ∘ b` for the float32 forms the fast path covers, or undefined. */
export function binaryF32(op: BinaryCode, a: Tensor, b: Tensor): Tensor | undefined {
  if (a.type !== "float32" || b.type !== "float32") return undefined;
  const ad = a.data as Float32Array, bd = b.data as Float32Array;
  if (sameDims(a.dims, b.dims)) {
    const o = allocateForOverwrite("float32", ad.length) as Float32Array;
    rowVV(op, o, ad, bd, ad.length);
    return new Tensor("float32", o, a.dims);
  }
  const bScalar = bd.length === 1 && b.dims.length <= a.dims.length;
  const aScalar = ad.length === 1 && a.dims.length <= b.dims.length;
  if (bScalar || aScalar) {
    const [x, s, dims] = bScalar ? [ad, bd[0]!, a.dims] : [bd, ad[0]!, b.dims];
    const o = allocateForOverwrite("float32", x.length) as Float32Array;
    binaryVS(op, o, x, s, !bScalar, 0, x.length);
    return new Tensor("float32", o, dims);
  }
  const bSmall = planeBroadcast(a.dims, b.dims);
  const aSmall = bSmall ? undefined : planeBroadcast(b.dims, a.dims);
  if (!bSmall && !aSmall) return undefined;
  const [x, small, dims, strides] = bSmall ? [ad, bd, a.dims, bSmall] : [bd, ad, b.dims, aSmall!];
  const [n, c, h, w] = dims as [number, number, number, number];
  const plane = h * w;
  const o = allocateForOverwrite("float32", x.length) as Float32Array;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const start = (i * c + j) * plane;
      binaryVS(op, o, x, small[i * strides[0] + j * strides[1]]!, !bSmall, start, start + plane);
    }
  }
  return new Tensor("float32", o, dims);
}

function sigmoidF32(x: Tensor): Tensor {
  const xd = x.data as Float32Array;
  const o = allocateForOverwrite("float32", xd.length) as Float32Array;
  for (let i = 0; i < xd.length; i++) o[i] = 1 / (1 + Math.exp(-xd[i]!));
  return new Tensor("float32", o, x.dims);
}

function reluF32(x: Tensor): Tensor {
  const xd = x.data as Float32Array;
  const o = allocateForOverwrite("float32", xd.length) as Float32Array;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    const r = (v + Math.abs(v)) * 0.5;
    o[i] = r === r ? r : v < 0 ? 0 : v;
  }
  return new Tensor("float32", o, x.dims);
}

/** The fast elementwise op for `node` (falling back to `def` per call), or undefined for other ops. */
export function f32ElementwiseOp(node: Node, def: OpDefinition): OpDefinition | undefined {
  if (node.op in BINARY && node.inputs.length === 2) {
    const code = BINARY[node.op as keyof typeof BINARY];
    return {
      ...def,
      run: (inputs, attrs, ctx) => {
        const [a, b] = inputs;
        const fast = a && b ? binaryF32(code, a, b) : undefined;
        return fast ? [fast] : def.run(inputs, attrs, ctx);
      },
    };
  }
  const unary = node.op === "Sigmoid" ? sigmoidF32 : node.op === "Relu" ? reluF32 : undefined;
  if (!unary) return undefined;
  return {
    ...def,
    run: (inputs, attrs, ctx) => (inputs[0]?.type === "float32" ? [unary(inputs[0])] : def.run(inputs, attrs, ctx)),
  };
}
