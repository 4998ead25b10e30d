/**
 * The control operator family: every op definition in ops/control/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";
import { identity } from "./control/identity.ts";

/** Op definitions of the control family. */
export const CONTROL_OPS: readonly OpDefinition[] = [identity];
