/**
 * The Silero VAD accuracy clip: English sentences spoken by Debian `espeak-ng` (several voices and
 * speeds), resampled from 22 050 Hz to 16 kHz by {@link resample}, laid out with seeded silences between
 * them over low seeded background noise (≈ −60 dBFS), stored as 16-bit PCM (what is cached is exactly
 * what the tests read), with one label per 512-sample frame.
 *
 * Labels: the layout says where each utterance sits; energy refines its ends. espeak-ng pads its output
 * with silence, so each utterance is cut to the span from the first to the last 10-ms window whose RMS
 * is within 35 dB of the utterance's loudest window (plus 20 ms either side) before it is placed. A frame
 * is speech (1) when at least half its samples fall inside such a span. Pauses between words inside a
 * sentence therefore count as speech, as a VAD with hangover treats them.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { seededRandom } from "../_random.ts";
import { cached, readJson, sourceHash, writeJson } from "./_cache.ts";
import { resample } from "./resample.ts";
import { encodeWav16, parseWav } from "./wav.ts";

/** Silero's rate and frame. */
export const SAMPLE_RATE = 16000;
export const FRAME_SIZE = 512;

const SENTENCES = [
  "The quick brown fox jumps over the lazy dog.",
  "Edge boards run small models close to the sensors.",
  "Please call me back before five o'clock tomorrow.",
  "Twelve bits of weight data fit in two bytes.",
  "The train to the north leaves from platform nine.",
  "She sells sea shells by the sea shore.",
  "Compressed models must stay accurate on real speech.",
  "A gentle breeze moved the leaves across the garden.",
];
const VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-scotland"];

/** One spoken sentence placed in the clip. */
export interface Utterance {
  text: string;
  voice: string;
  /** espeak-ng words per minute. */
  speed: number;
  /** First speech sample (inclusive). */
  start: number;
  /** Sample after the last speech sample. */
  end: number;
}

/** The clip, its layout and its frame labels. */
export interface SpeechClip {
  sampleRate: number;
  frameSize: number;
  /** Mono samples in [-1, 1]. */
  audio: Float32Array;
  /** One label per whole frame: 1 = speech. */
  labels: Uint8Array;
  utterances: Utterance[];
  /** espeak-ng's version line. */
  espeak: string;
}

/** Options for {@link speechClip}. */
export interface SpeechClipOptions {
  /** Number of sentences. @default 5 */
  sentences?: number;
  /** Seed of the choice of sentences, voices, speeds, silences and noise. @default 16 */
  seed?: number;
}

interface Manifest {
  espeak: string;
  utterances: Utterance[];
  labels: number[];
}

/** The speech clip (about 22 s, 694 frames, for 5 sentences), generated on first use and cached. */
export function speechClip(options: SpeechClipOptions = {}): SpeechClip {
  const spec = {
    sources: sourceHash(["speech_clip.ts", "resample.ts", "wav.ts"]),
    sentences: options.sentences ?? 5,
    seed: options.seed ?? 16,
    rate: SAMPLE_RATE,
    frame: FRAME_SIZE,
  };
  const dir = cached("speech", spec, (tmp) => {
    const next = seededRandom(spec.seed);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const order = [...SENTENCES];
    for (let i = order.length - 1; i > 0; i--) {
      const j = int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    // Lay the utterances out: a lead-in silence, then each utterance (its speech span plus 20 ms either
    // side) followed by a seeded silence of 0.8–1.8 s.
    const pad = Math.round(0.02 * SAMPLE_RATE);
    const pieces: { begin: number; samples: Float32Array; utterance: Utterance }[] = [];
    let cursor = Math.round(SAMPLE_RATE * (0.8 + 0.4 * next()));
    for (let i = 0; i < spec.sentences; i++) {
      const text = order[i % order.length]!;
      const voice = VOICES[i % VOICES.length]!;
      const speed = int(140, 180);
      const spoken = speak(text, voice, speed);
      const [from, to] = speechSpan(spoken);
      const lead = Math.min(pad, from);
      const samples = spoken.subarray(from - lead, Math.min(spoken.length, to + pad));
      const start = cursor + lead;
      pieces.push({ begin: cursor, samples, utterance: { text, voice, speed, start, end: start + (to - from) } });
      cursor += samples.length + Math.round(SAMPLE_RATE * (0.8 + 1.0 * next()));
    }
    const total = Math.ceil(cursor / FRAME_SIZE) * FRAME_SIZE;
    const audio = new Float32Array(total);
    // Background noise: sum of three uniforms (near-Gaussian), RMS ≈ 0.0017 / 2 ≈ −61 dBFS.
    for (let i = 0; i < total; i++) audio[i] = 0.0017 * (next() + next() + next() - 1.5);
    for (const { begin, samples } of pieces) {
      for (let k = 0; k < samples.length; k++) audio[begin + k]! += samples[k]!;
    }
    const wav = encodeWav16({ sampleRate: SAMPLE_RATE, samples: audio });
    writeFileSync(`${tmp}clip.wav`, wav);
    const decoded = parseWav(wav).samples;
    const labels = frameLabels(pieces.map((p) => p.utterance), decoded.length, FRAME_SIZE);
    writeJson(
      `${tmp}manifest.json`,
      {
        espeak: execFileSync("espeak-ng", ["--version"], { encoding: "utf8" }).trim(),
        utterances: pieces.map((p) => p.utterance),
        labels: [...labels],
      } satisfies Manifest,
    );
  });
  const manifest = readJson<Manifest>(`${dir}manifest.json`);
  const { sampleRate, samples } = parseWav(readFileSync(`${dir}clip.wav`));
  return {
    sampleRate,
    frameSize: FRAME_SIZE,
    audio: samples,
    labels: Uint8Array.from(manifest.labels),
    utterances: manifest.utterances,
    espeak: manifest.espeak,
  };
}

/** A sentence spoken by espeak-ng, at 16 kHz. */
function speak(text: string, voice: string, speed: number): Float32Array {
  const wav = execFileSync("espeak-ng", ["-v", voice, "-s", String(speed), "--stdout", text], { maxBuffer: 1 << 26 });
  const { sampleRate, samples } = parseWav(wav);
  return resample(samples, sampleRate, SAMPLE_RATE);
}

/**
 * The span `[from, to)` of an utterance from its first to its last 10-ms window whose RMS is within
 * 35 dB of its loudest window's.
 */
export function speechSpan(samples: Float32Array, windowSize = SAMPLE_RATE / 100, rangeDb = 35): [number, number] {
  const windows = Math.floor(samples.length / windowSize);
  const rms = new Float64Array(windows);
  let peak = 0;
  for (let w = 0; w < windows; w++) {
    let s = 0;
    for (let i = w * windowSize; i < (w + 1) * windowSize; i++) s += samples[i]! * samples[i]!;
    rms[w] = Math.sqrt(s / windowSize);
    peak = Math.max(peak, rms[w]!);
  }
  const floor = peak * 10 ** (-rangeDb / 20);
  let first = -1, last = -1;
  for (let w = 0; w < windows; w++) {
    if (rms[w]! > floor) {
      if (first < 0) first = w;
      last = w;
    }
  }
  if (first < 0) throw new Error("The utterance is silent");
  return [first * windowSize, (last + 1) * windowSize];
}

/** One label per whole frame: 1 when at least half of the frame lies inside a speech span. */
export function frameLabels(
  spans: readonly { start: number; end: number }[],
  samples: number,
  frameSize: number,
): Uint8Array {
  const labels = new Uint8Array(Math.floor(samples / frameSize));
  for (let f = 0; f < labels.length; f++) {
    const a = f * frameSize, b = a + frameSize;
    let inside = 0;
    for (const s of spans) inside += Math.max(0, Math.min(b, s.end) - Math.max(a, s.start));
    labels[f] = 2 * inside >= frameSize ? 1 : 0;
  }
  return labels;
}
