/**
 * The tensor operator family: every op definition in ops/tensor/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";

/** Op definitions of the tensor family. */
export const TENSOR_OPS: readonly OpDefinition[] = [];
