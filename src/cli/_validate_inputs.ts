// The inputs `bitloop validate` feeds both models: read from .npy files where given, generated from
// each input's declared dtype and shape otherwise (seeded, so runs repeat exactly).
import { DEFAULT_SYMBOLIC_DIM } from "../bench/random_feed.ts";
import type { Dim, ValueInfo } from "../graph/graph.ts";
import { Tensor } from "../graph/tensor.ts";
import { inputFileSpecs, readInputFile } from "./_read_input.ts";
import { formatShape } from "./_text.ts";
import { UsageError } from "./_usage_error.ts";

/** Size given to a symbolic or unknown dim without `--dim`: 1 on the first axis (batch), else this. */
export const DEFAULT_DIM = DEFAULT_SYMBOLIC_DIM;

/** The feeds and what was generated (for the user). */
export interface ValidateInputs {
  /** One tensor per model input. */
  feeds: Record<string, Tensor>;
  /** Per input: `"file PATH"` or a description of what was generated. */
  sources: Record<string, string>;
  /** Symbolic dims that took a default size (name → size), so the user can set them with --dim. */
  defaulted: Record<string, number>;
}

/** Parses `--dim NAME=N` specs. */
export function parseDims(specs: readonly string[]): Map<string, number> {
  const dims = new Map<string, number>();
  for (const spec of specs) {
    const eq = spec.lastIndexOf("=");
    const value = spec.slice(eq + 1);
    if (eq < 1 || !/^\d+$/.test(value) || Number(value) < 1) {
      throw new UsageError(`--dim "${spec}" must be NAME=N with N a positive whole number`);
    }
    dims.set(spec.slice(0, eq), Number(value));
  }
  return dims;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resolveShape(info: ValueInfo, dims: Map<string, number>, defaulted: Record<string, number>): number[] {
  if (info.shape === undefined) {
    throw new UsageError(`Input "${info.name}" declares no shape; pass --input ${info.name}=FILE.npy`);
  }
  return info.shape.map((d: Dim, axis) => {
    if (typeof d === "number") return d;
    const key = d ?? `${info.name}[${axis}]`;
    const given = dims.get(key);
    if (given !== undefined) return given;
    const size = axis === 0 ? 1 : DEFAULT_DIM;
    defaulted[key] = defaulted[key] ?? size;
    return defaulted[key]!;
  });
}

function generate(info: ValueInfo, shape: number[], next: () => number): [Tensor, string] {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (info.dtype) {
    case "float32":
    case undefined: {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = 2 * next() - 1;
      return [new Tensor("float32", data, shape), "uniform(-1, 1)"];
    }
    case "float64": {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = 2 * next() - 1;
      return [new Tensor("float64", data, shape), "uniform(-1, 1)"];
    }
    case "string":
      throw new UsageError(`Input "${info.name}" is a string tensor; pass --input ${info.name}=FILE.npy`);
    default: {
      const t = new Tensor(info.dtype, info.dtype === "int64" ? new BigInt64Array(n) : zerosOf(info.dtype, n), shape);
      return [t, "zeros"];
    }
  }
}

function zerosOf(dtype: Exclude<Tensor["type"], "string" | "int64">, n: number): Tensor["data"] {
  switch (dtype) {
    case "uint64":
      return new BigUint64Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "int16":
      return new Int16Array(n);
    case "uint16":
    case "float16":
      return new Uint16Array(n);
    case "int8":
      return new Int8Array(n);
    default:
      return new Uint8Array(n);
  }
}

/**
 * The feeds for `inputs`: `--input NAME=FILE.npy` specs where given (`NAME=` may be left out for a
 * one-input model), the rest generated from the declarations with `seed`. Throws `UsageError` for an
 * unknown name, a repeated input, or a file that does not match the declaration.
 */
export async function validateInputs(
  inputs: readonly ValueInfo[],
  specs: readonly string[],
  dims: Map<string, number>,
  seed: number,
): Promise<ValidateInputs> {
  const names = inputs.map((v) => v.name);
  const files = inputFileSpecs(specs, names);
  const next = seeded(seed);
  const feeds: Record<string, Tensor> = {};
  const sources: Record<string, string> = {};
  const defaulted: Record<string, number> = {};
  for (const info of inputs) {
    const file = files.get(info.name);
    if (file !== undefined) {
      feeds[info.name] = await readInputFile(info, file);
      sources[info.name] = `file ${file}`;
      continue;
    }
    const [t, how] = generate(info, resolveShape(info, dims, defaulted), next);
    feeds[info.name] = t;
    sources[info.name] = `generated ${t.type} ${formatShape(t.dims)} ${how}`;
  }
  return { feeds, sources, defaulted };
}
