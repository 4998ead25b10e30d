// The generated accuracy data sets (tests/data/) are what they claim: counts, sizes, lengths, labels
// and their balance, reproducibility; plus the WAV codec, resampler and labelling rules behind the clip.
import { describe, expect, test } from "bun:test";
import { clsLineSet, detPageSet, PAGE_SIZE, REC_MAX_WIDTH, recLineSet } from "../data/ocr_sets.ts";
import { CORE_FONTS, rotate180 } from "../data/render_text.ts";
import { resample } from "../data/resample.ts";
import { FRAME_SIZE, frameLabels, SAMPLE_RATE, speechClip, speechSpan } from "../data/speech_clip.ts";
import { MAX_LINE_CHARS, randomTextLines } from "../data/text_lines.ts";
import { encodeWav16, parseWav } from "../data/wav.ts";

describe("OCR data sets", () => {
  test("text lines are seeded: same seed, same lines; another seed, other lines", () => {
    expect(randomTextLines(30, 5)).toEqual(randomTextLines(30, 5));
    expect(randomTextLines(30, 5)).not.toEqual(randomTextLines(30, 6));
    const lines = randomTextLines(60, 1);
    expect(new Set(lines).size).toBe(60);
    expect(lines.every((l) => l.length <= MAX_LINE_CHARS)).toBe(true);
  });

  test("rec: 24 distinct lines 48 px tall and at most 320 px wide, with letters, digits and punctuation", () => {
    const lines = recLineSet();
    expect(lines.length).toBe(24);
    expect(new Set(lines.map((l) => l.text)).size).toBe(24);
    for (const l of lines) {
      expect(l.image.height).toBe(48);
      expect(l.image.width).toBeLessThanOrEqual(REC_MAX_WIDTH);
      expect(l.image.pixels.length).toBe(l.image.width * 48 * 3);
    }
    const all = lines.map((l) => l.text).join("");
    expect(all).toMatch(/[a-z]/);
    expect(all).toMatch(/[A-Z]/);
    expect(all).toMatch(/[0-9]/);
    expect(new Set(all.replace(/[A-Za-z0-9 ]/g, "")).size).toBeGreaterThanOrEqual(8);
    expect(new Set(lines.map((l) => l.font))).toEqual(new Set(CORE_FONTS));
  });

  test("cls: 12 lines upright (label 0) and rotated 180° (label 1), half each", () => {
    const samples = clsLineSet();
    expect(samples.length).toBe(24);
    expect(samples.filter((s) => s.label === 1).length).toBe(12);
    for (let i = 0; i < samples.length; i += 2) {
      const [up, down] = [samples[i]!, samples[i + 1]!];
      expect([up.label, down.label, up.text]).toEqual([0, 1, down.text]);
      expect(up.image.height).toBe(48);
      expect(down.image.pixels).toEqual(rotate180(up.image).pixels);
    }
  });

  test("det: 15 pages of 320×320 with 3–14 lines each, 14–32 pt, and dark text on them", () => {
    const pages = detPageSet();
    expect(pages.length).toBe(15);
    for (const p of pages) {
      expect([p.image.width, p.image.height]).toEqual([PAGE_SIZE, PAGE_SIZE]);
      expect(p.lines.length).toBeGreaterThanOrEqual(3);
      expect(p.lines.length).toBeLessThanOrEqual(14);
      for (const l of p.lines) expect(l.pointsize >= 14 && l.pointsize <= 32 && l.y <= PAGE_SIZE).toBe(true);
      const dark = p.image.pixels.filter((v) => v < 100).length / p.image.pixels.length;
      expect(dark).toBeGreaterThan(0.01);
      expect(dark).toBeLessThan(0.3);
    }
  });
});

describe("speech clip", () => {
  test("is 16 kHz, whole 512-sample frames, one label per frame, 15–30 s long", () => {
    const clip = speechClip();
    expect(clip.sampleRate).toBe(SAMPLE_RATE);
    expect(clip.frameSize).toBe(FRAME_SIZE);
    expect(clip.audio.length % FRAME_SIZE).toBe(0);
    expect(clip.labels.length).toBe(clip.audio.length / FRAME_SIZE);
    expect(clip.audio.length / SAMPLE_RATE).toBeGreaterThan(15);
    expect(clip.audio.length / SAMPLE_RATE).toBeLessThan(30);
    expect(clip.utterances.length).toBe(5);
    expect(new Set(clip.utterances.map((u) => u.voice)).size).toBeGreaterThanOrEqual(3);
  });

  test("labels are balanced (40–80% speech) and follow the energy: speech frames ≥ 25 dB louder", () => {
    const clip = speechClip();
    const speech = clip.labels.reduce((s, l) => s + l, 0) / clip.labels.length;
    expect(speech).toBeGreaterThan(0.4);
    expect(speech).toBeLessThan(0.8);
    const energy = [0, 0], count = [0, 0];
    clip.labels.forEach((label, f) => {
      for (let i = f * FRAME_SIZE; i < (f + 1) * FRAME_SIZE; i++) energy[label]! += clip.audio[i]! ** 2;
      count[label]!++;
    });
    const ratioDb = 10 * Math.log10((energy[1]! / count[1]!) / (energy[0]! / count[0]!));
    expect(ratioDb).toBeGreaterThan(25);
  });

  test("utterances are in order, inside the clip and apart by at least 0.8 s of silence", () => {
    const { utterances, audio } = speechClip();
    for (let i = 0; i < utterances.length; i++) {
      const u = utterances[i]!;
      expect(u.start).toBeLessThan(u.end);
      expect(u.end).toBeLessThanOrEqual(audio.length);
      if (i > 0) expect(u.start - utterances[i - 1]!.end).toBeGreaterThanOrEqual(0.8 * SAMPLE_RATE);
    }
  });
});

describe("clip building blocks", () => {
  test("frameLabels marks frames at least half inside a span", () => {
    expect([...frameLabels([{ start: 256, end: 1200 }], 2048, 512)]).toEqual([1, 1, 0, 0]);
    expect([...frameLabels([{ start: 257, end: 1300 }], 2048, 512)]).toEqual([0, 1, 1, 0]);
  });

  test("speechSpan finds a tone between silences to the 10-ms window", () => {
    const x = new Float32Array(16000);
    for (let i = 4000; i < 9000; i++) x[i] = 0.5 * Math.sin(i / 3);
    expect(speechSpan(x)).toEqual([4000, 9120]); // windows 25..56 of 160 samples
    expect(() => speechSpan(new Float32Array(1600))).toThrow();
  });

  test("a WAV round trip keeps 16-bit samples exactly", () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 1, -1, 0.25], (v) => Math.round(v * 32767) / 32768);
    const back = parseWav(encodeWav16({ sampleRate: 16000, samples }));
    expect(back.sampleRate).toBe(16000);
    expect([...back.samples]).toEqual([...samples]);
  });

  test("resampling 22 050 → 16 000 Hz keeps a 1 kHz tone and removes a 9 kHz one", () => {
    const tone = (f: number, rate: number, n: number) =>
      Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));
    const low = resample(tone(1000, 22050, 11025), 22050, 16000);
    expect(low.length).toBe(8000);
    const ideal = tone(1000, 16000, 8000);
    let err = 0;
    for (let i = 500; i < 7500; i++) err = Math.max(err, Math.abs(low[i]! - ideal[i]!));
    expect(err).toBeLessThan(1e-3);
    const high = resample(tone(9000, 22050, 11025), 22050, 16000);
    let rms = 0;
    for (let i = 500; i < 7500; i++) rms += high[i]! ** 2;
    expect(Math.sqrt(rms / 7000)).toBeLessThan(1e-3);
  });
});
