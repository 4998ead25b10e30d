/**
 * Which kernels a model's session has run, as bench results report them.
 * @module
 */
import type { InferenceSession } from "../src/runtime/session.ts";

/** The kernel family the reference runtime uses for every op. */
export const REFERENCE_KERNEL = "reference-scalar";

/**
 * The names of the kernels a session has run so far, sorted (its `kernels`), or `["reference-scalar"]`
 * when only the reference kernels ran (as `bitloop bench --json` reports them).
 *
 * @example
 * ```ts
 * const session = await InferenceSession.create("model.onnx", { kernels: "reference" });
 * await session.run(feeds);
 * if (kernelsOf(session)[0] !== REFERENCE_KERNEL) throw new Error("reference kernels only");
 * ```
 */
export function kernelsOf(session: Pick<InferenceSession, "kernels">): string[] {
  const ran = session.kernels;
  return ran.length > 0 ? [...ran] : [REFERENCE_KERNEL];
}
