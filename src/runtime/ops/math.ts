/**
 * The math operator family: every op definition in ops/math/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";
import { ACTIVATION_OPS } from "./math/activation.ts";
import { ARG_REDUCE_OPS } from "./math/arg_reduce.ts";
import { BINARY_OPS } from "./math/binary.ts";
import { clip } from "./math/clip.ts";
import { cumSum } from "./math/cum_sum.ts";
import { gemm } from "./math/gemm.ts";
import { matmul } from "./math/matmul.ts";
import { prelu } from "./math/prelu.ts";
import { REDUCE_OPS } from "./math/reduce.ts";
import { SOFTMAX_OPS } from "./math/softmax.ts";
import { UNARY_OPS } from "./math/unary.ts";
import { where } from "./math/where.ts";

/** Op definitions of the math family. */
export const MATH_OPS: readonly OpDefinition[] = [
  ...BINARY_OPS,
  ...UNARY_OPS,
  ...ACTIVATION_OPS,
  clip,
  prelu,
  where,
  matmul,
  gemm,
  ...SOFTMAX_OPS,
  ...REDUCE_OPS,
  ...ARG_REDUCE_OPS,
  cumSum,
];
