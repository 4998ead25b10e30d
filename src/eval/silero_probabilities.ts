/**
 * Runs a Silero VAD model over a whole clip frame by frame, feeding its recurrent state back, and
 * returns the speech probability of every frame. Three calling conventions exist in the wild:
 *
 * - `v5` (vad-web `silero_vad_v5.onnx`): `input [1, F]`, `state [2, 1, 128]`, `sr` → `output`, `stateN`.
 * - `legacy` (v3/v4, `silero_vad_legacy.onnx`): `input [1, F]`, `sr`, `h`, `c` `[2, 1, 64]` → `output`,
 *   `hn`, `cn`.
 * - `op18` (v6-family exports such as `silero_vad_op18_ifless.onnx`): like `v5`, but each input is the
 *   last F/8 samples of the previous frame (zeros before the first) followed by the frame.
 *
 * F is 512 samples at 16 kHz and 256 at 8 kHz; a partial last frame is dropped.
 * @module
 */
import { Tensor } from "../graph/tensor.ts";
import type { TensorRunner } from "./tensor_runner.ts";

/** The Silero calling conventions {@link sileroProbabilities} knows. */
export type SileroVariant = "v5" | "legacy" | "op18";

/** Options for {@link sileroProbabilities}. */
export interface SileroOptions {
  /** The model's calling convention. */
  variant: SileroVariant;
  /**
   * Sample rate of the audio, fed to the model's `sr` input.
   * @default 16000
   */
  sampleRate?: 8000 | 16000;
  /**
   * Stop after this many frames.
   * @default every whole frame of the clip
   */
  maxFrames?: number;
}

/**
 * The speech probability of every frame of `audio` (mono samples in [-1, 1] at `sampleRate`). Throws
 * `TypeError` when the model does not return the outputs its variant promises.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * // A stand-in model whose "probability" is the frame's first sample.
 * const fake = {
 *   run: (f: Record<string, Tensor>) =>
 *     Promise.resolve({
 *       output: new Tensor("float32", Float32Array.of((f.input!.data as Float32Array)[0]!), [1, 1]),
 *       stateN: f.state!,
 *     }),
 * };
 * const audio = new Float32Array(1100).fill(0.25);
 * const p = await sileroProbabilities(fake, audio, { variant: "v5" });
 * if (p.length !== 2 || p[1] !== 0.25) throw new Error("two whole frames of 512");
 * ```
 */
export async function sileroProbabilities(
  runner: TensorRunner,
  audio: Float32Array,
  options: SileroOptions,
): Promise<Float32Array> {
  const sampleRate = options.sampleRate ?? 16000;
  if (sampleRate !== 16000 && sampleRate !== 8000) {
    throw new RangeError(`Silero runs at 8 or 16 kHz, not ${sampleRate}`);
  }
  const frame = sampleRate === 16000 ? 512 : 256;
  const context = options.variant === "op18" ? frame / 8 : 0;
  const frames = Math.min(Math.floor(audio.length / frame), options.maxFrames ?? Infinity);
  const sr = new Tensor("int64", BigInt64Array.of(BigInt(sampleRate)), []);
  const out = new Float32Array(frames);
  let state: Record<string, Tensor> = options.variant === "legacy"
    ? { h: zeros([2, 1, 64]), c: zeros([2, 1, 64]) }
    : { state: zeros([2, 1, 128]) };
  for (let i = 0; i < frames; i++) {
    const input = new Float32Array(context + frame);
    if (context > 0 && i > 0) input.set(audio.subarray(i * frame - context, i * frame));
    input.set(audio.subarray(i * frame, (i + 1) * frame), context);
    const result = await runner.run({ input: new Tensor("float32", input, [1, context + frame]), sr, ...state });
    const probability = result.output;
    if (!probability || probability.size !== 1) {
      throw new TypeError(
        `Silero ${options.variant} frame ${i}: expected a one-element "output", got ${describe(result)}`,
      );
    }
    out[i] = Number(probability.data[0]);
    state = options.variant === "legacy"
      ? { h: stateOut(result, "hn", i), c: stateOut(result, "cn", i) }
      : { state: stateOut(result, "stateN", i) };
  }
  return out;
}

function zeros(dims: number[]): Tensor {
  return Tensor.zeros("float32", dims);
}

function stateOut(result: Record<string, Tensor>, name: string, frame: number): Tensor {
  const t = result[name];
  if (!t) throw new TypeError(`Silero frame ${frame}: the model returned no "${name}" (got ${describe(result)})`);
  return t;
}

function describe(result: Record<string, Tensor>): string {
  return Object.entries(result).map(([n, t]) => `${n} [${t.dims}]`).join(", ") || "nothing";
}
