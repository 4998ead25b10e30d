/**
 * The control operator family: every op definition in ops/control/, in one list for the registry.
 * The recurrent layers (LSTM, GRU, RNN, in ops/nn/) are listed here too: they step through time.
 * @module
 */
import type { OpDefinition } from "../op.ts";
import { identity } from "./control/identity.ts";
import { ifOp } from "./control/if.ts";
import { loop } from "./control/loop.ts";
import { scan } from "./control/scan.ts";

/** Op definitions of the control family. */
export const CONTROL_OPS: readonly OpDefinition[] = [identity, ifOp, loop, scan];
