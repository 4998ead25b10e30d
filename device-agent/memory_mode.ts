/**
 * The runtime memory mode a request asks for (`InferenceSession.create`'s `memory` option). A model
 * loaded in `"low"` mode and the same model in `"normal"` mode are different sessions, so the
 * {@link ModelPool} keeps one worker for each.
 * @module
 */
import { AgentError } from "./agent_error.ts";

/** `"normal"` dequantizes quantized weights at load; `"low"` keeps them packed and runs int8 kernels. */
export type MemoryMode = "normal" | "low";

/**
 * Checks a request's `memory` value (absent means `"normal"`). Throws `AgentError` `bad_request` naming
 * `where` the value came from.
 *
 * @example
 * ```ts
 * if (memoryMode(undefined, "Bench option") !== "normal") throw new Error("normal by default");
 * ```
 */
export function memoryMode(value: unknown, where: string): MemoryMode {
  const memory = value ?? "normal";
  if (memory !== "normal" && memory !== "low") {
    throw new AgentError("bad_request", `${where} "memory" must be "normal" or "low", got ${JSON.stringify(memory)}`);
  }
  return memory;
}
