// RIFF/WAVE reading and writing for the speech data set: 16-bit PCM or 32-bit float, any channel count
// (mixed down to mono on read). espeak-ng streams to stdout with placeholder chunk sizes (0x7ffff000), so
// a data chunk is read up to the end of the file.

/** Mono audio samples in [-1, 1] and their rate. */
export interface Audio {
  sampleRate: number;
  samples: Float32Array;
}

/** Parses a WAV file (PCM 8/16/32-bit or IEEE float 32-bit), averaging the channels to mono. */
export function parseWav(bytes: Uint8Array): Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("Not a RIFF/WAVE file");
  let format = 0, channels = 0, sampleRate = 0, bits = 0;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = Math.min(view.getUint32(at + 4, true), bytes.length - at - 8);
    const body = at + 8;
    if (id === "fmt ") {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
    } else if (id === "data") {
      if (!channels) throw new Error("WAV data chunk before its fmt chunk");
      const width = bits / 8;
      const frames = Math.floor(size / (width * channels));
      const read = sampleReader(view, format, bits);
      const samples = new Float32Array(frames);
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += read(body + (f * channels + c) * width);
        samples[f] = sum / channels;
      }
      return { sampleRate, samples };
    }
    at = body + size + (size & 1);
  }
  throw new Error("WAV file has no data chunk");
}

function sampleReader(view: DataView, format: number, bits: number): (at: number) => number {
  if (format === 1 && bits === 16) return (at) => view.getInt16(at, true) / 32768;
  if (format === 1 && bits === 8) return (at) => (view.getUint8(at) - 128) / 128;
  if (format === 1 && bits === 32) return (at) => view.getInt32(at, true) / 2147483648;
  if (format === 3 && bits === 32) return (at) => view.getFloat32(at, true);
  throw new Error(`Unsupported WAV sample format ${format} with ${bits} bits`);
}

/** Encodes mono samples as a 16-bit PCM WAV file (clamped to [-1, 1], rounded to the nearest step). */
export function encodeWav16(audio: Audio): Uint8Array {
  const n = audio.samples.length;
  const bytes = new Uint8Array(44 + 2 * n);
  const view = new DataView(bytes.buffer);
  const put = (at: number, s: string) => bytes.set(new TextEncoder().encode(s), at);
  put(0, "RIFF");
  view.setUint32(4, 36 + 2 * n, true);
  put(8, "WAVE");
  put(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, "data");
  view.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.max(-1, Math.min(1, audio.samples[i]!)) * 32768);
    view.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, v)), true);
  }
  return bytes;
}
