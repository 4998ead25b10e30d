/**
 * The math operator family: every op definition in ops/math/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";

/** Op definitions of the math family. */
export const MATH_OPS: readonly OpDefinition[] = [];
