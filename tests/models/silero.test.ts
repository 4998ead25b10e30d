// Silero VAD zoo models (DESIGN.md §4) run through bitloop and onnxruntime-node frame by frame on a
// synthetic 16 kHz signal, each runtime feeding its own state back: every output of every frame within
// the model budget (cosine ≥ 0.99999, max abs err ≤ 1e-4 × max|ref|).
import { describe, expect, test } from "bun:test";
import { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { seededRandom } from "../_random.ts";
import { zooPath } from "../zoo/zoo.ts";

const RATE = 16000;
const FRAME = 512;
const CONTEXT = 64;
const FRAMES = 8;

/**
 * A voiced-like test signal: a 140 Hz tone with harmonics and a slow amplitude envelope, a 1 kHz
 * tone, and seeded white noise; the first frames are near-silent so the VAD sees both.
 */
function signal(samples: number, seed: number): Float32Array {
  const noise = seededRandom(seed);
  const out = new Float32Array(samples);
  for (let n = 0; n < samples; n++) {
    const t = n / RATE;
    const onset = n < 2 * FRAME ? 0.02 : 1;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t);
    let voiced = 0;
    for (let k = 1; k <= 5; k++) voiced += Math.sin(2 * Math.PI * 140 * k * t + k) / k;
    out[n] = onset * (0.3 * envelope * voiced + 0.05 * Math.sin(2 * Math.PI * 1000 * t)) + 0.01 * (2 * noise() - 1);
  }
  return out;
}

const f32 = (data: Float32Array, dims: number[]) => new Tensor("float32", data, dims);
const sr = new Tensor("int64", BigInt64Array.of(16000n), []);

/** Builds a frame's feeds from the signal and the previous outputs (undefined for the first frame). */
type Feeder = (
  frame: number,
  audio: Float32Array,
  previous: Record<string, Tensor> | undefined,
) => Record<string, Tensor>;

const frameOf = (audio: Float32Array, i: number) => audio.slice(i * FRAME, (i + 1) * FRAME);

const feeders: Record<string, Feeder> = {
  silero_v5: (i, audio, prev) => ({
    input: f32(frameOf(audio, i), [1, FRAME]),
    state: prev?.stateN ?? f32(new Float32Array(2 * 128), [2, 1, 128]),
    sr,
  }),
  silero_legacy: (i, audio, prev) => ({
    input: f32(frameOf(audio, i), [1, FRAME]),
    sr,
    h: prev?.hn ?? f32(new Float32Array(2 * 64), [2, 1, 64]),
    c: prev?.cn ?? f32(new Float32Array(2 * 64), [2, 1, 64]),
  }),
  silero_op18_ifless: (i, audio, prev) => {
    // The last 64 samples of the previous frame, then this frame.
    const input = new Float32Array(CONTEXT + FRAME);
    if (i > 0) input.set(audio.subarray(i * FRAME - CONTEXT, i * FRAME));
    input.set(frameOf(audio, i), CONTEXT);
    return {
      input: f32(input, [1, CONTEXT + FRAME]),
      sr,
      state: prev?.stateN ?? f32(new Float32Array(2 * 128), [2, 1, 128]),
    };
  },
};

describe("Silero VAD models match onnxruntime-node frame by frame", () => {
  for (const [model, feed] of Object.entries(feeders)) {
    test(`${model} agrees on every output of ${FRAMES} consecutive frames`, async () => {
      const audio = signal(FRAMES * FRAME, 7);
      const ours = await InferenceSession.create(zooPath(model));
      const ort = await ortSession(zooPath(model));
      let oursPrev: Record<string, Tensor> | undefined;
      let refPrev: Record<string, Tensor> | undefined;
      const probabilities: number[] = [];
      for (let i = 0; i < FRAMES; i++) {
        const ourOut = await ours.run(feed(i, audio, oursPrev));
        const refOut = await ortRun(ort, feed(i, audio, refPrev));
        expect(Object.keys(ourOut).sort()).toEqual(Object.keys(refOut).sort());
        for (const [name, r] of Object.entries(refOut)) {
          const o = ourOut[name]!;
          expect({ frame: i, name, type: o.type, dims: [...o.dims] }).toEqual({
            frame: i,
            name,
            type: r.type,
            dims: [...r.dims],
          });
          const a = agreement(o, r);
          expect({ frame: i, name, cosineOk: a.cosine >= 0.99999, errorOk: a.maxAbsError <= 1e-4 * a.maxAbsRef })
            .toEqual({ frame: i, name, cosineOk: true, errorOk: true });
        }
        probabilities.push((refOut.output!.data as Float32Array)[0]!);
        oursPrev = ourOut;
        refPrev = refOut;
      }
      // The signal must exercise the model: its speech probability moves over the frames.
      expect(Math.max(...probabilities) - Math.min(...probabilities)).toBeGreaterThan(0.01);
    });
  }
});
