// Band-limited resampling by windowed sinc (no Debian `sox` needed): each output sample is the input
// convolved with a Blackman-windowed sinc low-pass centred on its position in the input. The cutoff is
// `rolloff` × the lower Nyquist frequency, so downsampling (espeak-ng's 22 050 Hz → Silero's 16 000 Hz)
// removes what would alias; `zeroCrossings` sets the kernel's half-width in lobes of the cutoff sinc.

/** Options for {@link resample}. */
export interface ResampleOptions {
  /** Kernel half-width, in zero crossings of the low-pass sinc. @default 16 */
  zeroCrossings?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency. @default 0.94 */
  rolloff?: number;
}

/** Resamples `samples` from `fromRate` to `toRate` Hz; the output holds `floor(n · toRate / fromRate)` samples. */
export function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError(`Cannot resample from ${fromRate} Hz to ${toRate} Hz`);
  if (fromRate === toRate) return samples.slice();
  const ratio = toRate / fromRate;
  // Cutoff in cycles per input sample ×2 (1 = the input's Nyquist frequency).
  const cutoff = Math.min(1, ratio) * (options.rolloff ?? 0.94);
  const halfWidth = (options.zeroCrossings ?? 16) / cutoff; // in input samples
  const n = samples.length;
  const out = new Float32Array(Math.floor(n * ratio));
  for (let j = 0; j < out.length; j++) {
    const t = j / ratio;
    const lo = Math.max(0, Math.ceil(t - halfWidth));
    const hi = Math.min(n - 1, Math.floor(t + halfWidth));
    let sum = 0;
    for (let k = lo; k <= hi; k++) {
      const u = t - k;
      const z = Math.PI * cutoff * u;
      const sinc = z === 0 ? 1 : Math.sin(z) / z;
      const v = (Math.PI * u) / halfWidth;
      const window = 0.42 + 0.5 * Math.cos(v) + 0.08 * Math.cos(2 * v);
      sum += samples[k]! * cutoff * sinc * window;
    }
    out[j] = sum;
  }
  return out;
}
