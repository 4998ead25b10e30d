/**
 * Seeded random inputs for a model's declared inputs, so a bench needs no data: floats uniform in
 * [-1, 1), integers in 0..9, booleans 0/1; symbolic or unknown dimensions become 1.
 * @module
 */
import { allocate, isBigIntDType } from "../src/graph/dtype.ts";
import type { ValueInfo } from "../src/graph/graph.ts";
import { shapeSize, Tensor } from "../src/graph/tensor.ts";
import { float32ToFloat16Bits } from "../src/graph/float16.ts";
import { AgentError } from "./agent_error.ts";

/** A tensor of seeded random values matching `info`. Throws `AgentError("input_mismatch")` when its type is unknown. */
export function randomFeed(info: ValueInfo, seed = 1): Tensor {
  if (info.dtype === undefined || info.dtype === "string") {
    throw new AgentError("input_mismatch", `Input "${info.name}" has no numeric declared type: send it in "inputs"`);
  }
  const dims = (info.shape ?? []).map((d) => (typeof d === "number" && d >= 0 ? d : 1));
  const n = shapeSize(dims);
  const data = allocate(info.dtype, n);
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const type = info.dtype;
  for (let i = 0; i < n; i++) {
    const u = next();
    if (isBigIntDType(type)) (data as BigInt64Array)[i] = BigInt(Math.floor(u * 10));
    else if (type === "float32" || type === "float64") (data as Float32Array)[i] = u * 2 - 1;
    else if (type === "float16") (data as Uint16Array)[i] = float32ToFloat16Bits(u * 2 - 1);
    else if (type === "bool") (data as Uint8Array)[i] = u < 0.5 ? 0 : 1;
    else (data as Int32Array)[i] = Math.floor(u * 10);
  }
  return new Tensor(type, data, dims);
}
