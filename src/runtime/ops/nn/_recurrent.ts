/**
 * What LSTM, GRU and RNN share: activation functions (parsed once per node, applied over gate
 * vectors), directions, the two layouts, sequence lengths, and the time-step driver that walks every
 * (direction, batch) sequence and writes Y and the final states. A cell only says how one step
 * turns an input row and the previous states into the new states.
 * @module
 */
import type { Node } from "../../../graph/graph.ts";
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { Attrs } from "../../op.ts";

/** Float element arrays a recurrent op reads and writes. */
export type FloatArray = Float32Array | Float64Array;

const ACTIVATIONS = [
  "sigmoid",
  "tanh",
  "relu",
  "affine",
  "leakyrelu",
  "thresholdedrelu",
  "scaledtanh",
  "hardsigmoid",
  "elu",
  "softsign",
  "softplus",
] as const;
const SIGMOID = 0, TANH = 1, RELU = 2, AFFINE = 3, LEAKY_RELU = 4, THRESHOLDED_RELU = 5, SCALED_TANH = 6;
const HARD_SIGMOID = 7, ELU = 8, SOFTSIGN = 9;
// Which activations take alpha / beta (they consume the next entry of activation_alpha / _beta, in
// order), and the defaults when the list runs out. As in onnxruntime, only LeakyRelu, HardSigmoid and
// Elu have non-zero defaults.
const USES_ALPHA = new Set([AFFINE, LEAKY_RELU, THRESHOLDED_RELU, SCALED_TANH, HARD_SIGMOID, ELU]);
const USES_BETA = new Set([AFFINE, SCALED_TANH, HARD_SIGMOID]);
const DEFAULT_ALPHA: Record<number, number> = { [LEAKY_RELU]: 0.01, [HARD_SIGMOID]: 0.2, [ELU]: 1 };
const DEFAULT_BETA: Record<number, number> = { [HARD_SIGMOID]: 0.5 };

/** One activation function with its parameters. */
export interface Activation {
  /** Index into the activation table. */
  kind: number;
  alpha: number;
  beta: number;
}

/** Attribute specs every recurrent op accepts. */
export const RECURRENT_ATTRIBUTES = {
  activation_alpha: { kind: "floats" },
  activation_beta: { kind: "floats" },
  activations: { kind: "strings" },
  clip: { kind: "float" },
  direction: { kind: "string", values: ["forward", "reverse", "bidirectional"] },
  hidden_size: { kind: "int" },
  layout: { kind: "int", values: [0, 1] },
} as const;

/** Number of directions a node's `direction` attribute asks for. */
export function directionCount(attrs: Attrs): 1 | 2 {
  return attrs.string("direction", "forward") === "bidirectional" ? 2 : 1;
}

function activationNames(names: readonly string[], perDirection: number, directions: number): string[] | string {
  const unknown = names.find((n) => !(ACTIVATIONS as readonly string[]).includes(n.toLowerCase()));
  if (unknown !== undefined) return `unknown activation "${unknown}" (supported: ${ACTIVATIONS.join(", ")})`;
  if (names.length === perDirection * directions) return [...names];
  // A bidirectional node may list one direction's functions for both; RNN's old default was two Tanh.
  if (names.length === perDirection && directions === 2) return [...names, ...names];
  if (names.length === 2 && perDirection === 1 && directions === 1) return [names[0]!];
  return `activations lists ${names.length} functions; expected ${perDirection * directions}`;
}

/** Load-time check of a recurrent node's activations; returns a reason when they cannot run. */
export function checkActivations(node: Node, perDirection: number): string | undefined {
  const a = node.attributes;
  const directions = a.direction?.kind === "string" && a.direction.value === "bidirectional" ? 2 : 1;
  if (a.activations?.kind !== "strings") return undefined;
  const names = activationNames(a.activations.value, perDirection, directions);
  return typeof names === "string" ? names : undefined;
}

/**
 * The activation functions of every direction, in order (`perDirection` per direction), with
 * `activation_alpha` / `activation_beta` consumed in that order by the functions that take them.
 */
export function parseActivations(
  attrs: Attrs,
  defaults: readonly string[],
  directions: number,
): Activation[] {
  const given = attrs.strings("activations", []);
  const names = given.length === 0
    ? Array.from({ length: directions }, () => defaults).flat()
    : activationNames(given, defaults.length, directions);
  if (typeof names === "string") throw new RangeError(names);
  const alphas = attrs.floats("activation_alpha", []);
  const betas = attrs.floats("activation_beta", []);
  let ai = 0, bi = 0;
  return names.map((name) => {
    const kind = (ACTIVATIONS as readonly string[]).indexOf(name.toLowerCase());
    const alpha = USES_ALPHA.has(kind) ? (alphas[ai++] ?? DEFAULT_ALPHA[kind] ?? 0) : 0;
    const beta = USES_BETA.has(kind) ? (betas[bi++] ?? DEFAULT_BETA[kind] ?? 0) : 0;
    return { kind, alpha, beta };
  });
}

/** Applies `act` in place to `v[offset .. offset + n)`. */
export function activate(act: Activation, v: Float64Array, offset: number, n: number): void {
  const { alpha, beta } = act;
  const end = offset + n;
  switch (act.kind) {
    case SIGMOID:
      for (let i = offset; i < end; i++) v[i] = 1 / (1 + Math.exp(-v[i]!));
      return;
    case TANH:
      for (let i = offset; i < end; i++) v[i] = Math.tanh(v[i]!);
      return;
    case RELU:
      for (let i = offset; i < end; i++) v[i] = Math.max(0, v[i]!);
      return;
    case AFFINE:
      for (let i = offset; i < end; i++) v[i] = alpha * v[i]! + beta;
      return;
    case LEAKY_RELU:
      for (let i = offset; i < end; i++) v[i] = v[i]! >= 0 ? v[i]! : alpha * v[i]!;
      return;
    case THRESHOLDED_RELU:
      for (let i = offset; i < end; i++) v[i] = v[i]! > alpha ? v[i]! : 0;
      return;
    case SCALED_TANH:
      for (let i = offset; i < end; i++) v[i] = alpha * Math.tanh(beta * v[i]!);
      return;
    case HARD_SIGMOID:
      for (let i = offset; i < end; i++) v[i] = Math.min(1, Math.max(0, alpha * v[i]! + beta));
      return;
    case ELU:
      for (let i = offset; i < end; i++) v[i] = v[i]! >= 0 ? v[i]! : alpha * (Math.exp(v[i]!) - 1);
      return;
    case SOFTSIGN:
      for (let i = offset; i < end; i++) v[i] = v[i]! / (1 + Math.abs(v[i]!));
      return;
    default: // softplus
      for (let i = offset; i < end; i++) v[i] = Math.log(1 + Math.exp(v[i]!));
  }
}

/** Clamps `v[offset .. offset + n)` to `[-clip, clip]` (no-op for an infinite clip). */
export function clamp(v: Float64Array, offset: number, n: number, clip: number): void {
  if (clip === Infinity) return;
  const end = offset + n;
  for (let i = offset; i < end; i++) {
    const x = v[i]!;
    v[i] = x > clip ? clip : x < -clip ? -clip : x;
  }
}

/** `out[o + j] += Σ_k m[mo + j·cols + k] · x[xo + k]` for `rows` rows: a row-major matrix times a vector. */
export function addMatVec(
  m: FloatArray,
  mo: number,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  xo: number,
  out: Float64Array,
  o: number,
): void {
  for (let j = 0; j < rows; j++) {
    const row = mo + j * cols;
    let acc = 0;
    for (let k = 0; k < cols; k++) acc += m[row + k]! * x[xo + k]!;
    out[o + j] = out[o + j]! + acc;
  }
}

/** The float data of a recurrent op input; throws TypeError for other element types. */
export function floatData(t: Tensor, name: string): FloatArray {
  if (t.type !== "float32" && t.type !== "float64") {
    throw new TypeError(`Input ${name} must be float32 or float64, got ${t.type}`);
  }
  return t.data as FloatArray;
}

/** Checks that an input has exactly `dims`; throws RangeError naming it otherwise. */
export function expectDims(t: Tensor | undefined, name: string, dims: readonly number[]): void {
  if (!t) return;
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new RangeError(`Input ${name} must have shape [${dims.join(", ")}], got [${t.dims.join(", ")}]`);
  }
}

/** The sizes of one recurrent run. */
export interface RecurrentGeometry {
  seqLength: number;
  batch: number;
  inputSize: number;
  hidden: number;
  directions: number;
  /** 0: X is [seq, batch, input]; 1: X is [batch, seq, input]. */
  layout: number;
  /** True when the only direction runs backwards (`direction = "reverse"`). */
  reverse: boolean;
}

/** Reads the geometry of a node from X, R and its attributes. */
export function geometryOf(x: Tensor, r: Tensor, attrs: Attrs): RecurrentGeometry {
  if (x.dims.length !== 3) throw new RangeError(`Input X must have rank 3, got [${x.dims.join(", ")}]`);
  if (r.dims.length !== 3) throw new RangeError(`Input R must have rank 3, got [${r.dims.join(", ")}]`);
  const layout = attrs.int("layout", 0);
  const directions = directionCount(attrs);
  const hidden = attrs.int("hidden_size", r.dims[2]!);
  const [d0, d1, inputSize] = x.dims as [number, number, number];
  return {
    seqLength: layout === 0 ? d0 : d1,
    batch: layout === 0 ? d1 : d0,
    inputSize,
    hidden,
    directions,
    layout,
    reverse: attrs.string("direction", "forward") === "reverse",
  };
}

/** Shape of an initial/final state tensor (initial_h, Y_h, …) in the geometry's layout. */
export function stateDims(g: RecurrentGeometry): number[] {
  return g.layout === 0 ? [g.directions, g.batch, g.hidden] : [g.batch, g.directions, g.hidden];
}

/**
 * Advances one sequence by one step: reads the input row `x[xo .. xo + inputSize)` and the previous
 * states, and overwrites `states` (states[0] is the hidden state h) with the new ones.
 */
export type RecurrentStep = (direction: number, x: FloatArray, xo: number, states: Float64Array[]) => void;

/** Inputs of {@link runRecurrent}. */
export interface RecurrentRun {
  geometry: RecurrentGeometry;
  x: Tensor;
  /** Optional sequence_lens input (int32 [batch]). */
  sequenceLens: Tensor | undefined;
  /** Initial value of each state (initial_h, then initial_c for LSTM); `undefined` means zeros. */
  initial: readonly (Tensor | undefined)[];
  step: RecurrentStep;
}

function sequenceLengths(t: Tensor | undefined, g: RecurrentGeometry): Int32Array {
  const lens = new Int32Array(g.batch).fill(g.seqLength);
  if (!t) return lens;
  expectDims(t, "sequence_lens", [g.batch]);
  for (let b = 0; b < g.batch; b++) {
    const v = Number((t.data as ArrayLike<number | bigint>)[b]!);
    if (!Number.isInteger(v) || v < 0 || v > g.seqLength) {
      throw new RangeError(`sequence_lens[${b}] = ${v} is outside 0..${g.seqLength}`);
    }
    lens[b] = v;
  }
  return lens;
}

/**
 * Runs every (direction, batch) sequence through `step`, honouring direction, layout and sequence
 * lengths. Returns Y (zeros past each sequence's end) and the final value of every state (zeros for a
 * sequence of length 0), in the layout's shapes and X's element type.
 */
export function runRecurrent(run: RecurrentRun): { y: Tensor; finals: Tensor[] } {
  const g = run.geometry;
  const { seqLength, batch, inputSize, hidden, directions, layout } = g;
  const x = floatData(run.x, "X");
  const lens = sequenceLengths(run.sequenceLens, g);
  const sDims = stateDims(g);
  run.initial.forEach((t, i) => expectDims(t, i === 0 ? "initial_h" : "initial_c", sDims));
  const initial = run.initial.map((t, i) => (t ? floatData(t, i === 0 ? "initial_h" : "initial_c") : undefined));
  const yDims = layout === 0 ? [seqLength, directions, batch, hidden] : [batch, seqLength, directions, hidden];
  const y = allocate(run.x.type, seqLength * directions * batch * hidden) as FloatArray;
  const finals = run.initial.map(() => allocate(run.x.type, directions * batch * hidden) as FloatArray);
  const states = run.initial.map(() => new Float64Array(hidden));
  for (let d = 0; d < directions; d++) {
    const backwards = d === 1 || g.reverse;
    for (let b = 0; b < batch; b++) {
      const len = lens[b]!;
      const so = layout === 0 ? (d * batch + b) * hidden : (b * directions + d) * hidden;
      states.forEach((s, i) => {
        const init = initial[i];
        if (init) { for (let k = 0; k < hidden; k++) s[k] = init[so + k]!; }
        else s.fill(0);
      });
      for (let s = 0; s < len; s++) {
        const t = backwards ? len - 1 - s : s;
        const xo = layout === 0 ? (t * batch + b) * inputSize : (b * seqLength + t) * inputSize;
        run.step(d, x, xo, states);
        const yo = layout === 0
          ? ((t * directions + d) * batch + b) * hidden
          : ((b * seqLength + t) * directions + d) * hidden;
        const h = states[0]!;
        for (let k = 0; k < hidden; k++) y[yo + k] = h[k]!;
      }
      if (len > 0) states.forEach((s, i) => finals[i]!.set(s, so));
    }
  }
  return {
    y: new Tensor(run.x.type, y, yDims),
    finals: finals.map((f) => new Tensor(run.x.type, f, sDims)),
  };
}
