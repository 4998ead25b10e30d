/**
 * The nn operator family: every op definition in ops/nn/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";

/** Op definitions of the nn family. */
export const NN_OPS: readonly OpDefinition[] = [];
