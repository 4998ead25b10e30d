/**
 * Agreement of voice-activity outputs over a clip: per-frame speech probabilities turned into decisions
 * (p > 0.5 by default, Silero's own threshold), then decision agreement between a candidate and its
 * reference, accuracy of each against frame labels, and the cosine of the probability sequences.
 * @module
 */
import { cosineSimilarity, fractionEqual } from "./metrics.ts";

/**
 * Per-frame decisions: 1 where the probability is strictly above `threshold`, else 0.
 *
 * @example
 * ```ts
 * if (vadDecisions([0.1, 0.5, 0.51, 0.9]).join() !== "0,0,1,1") throw new Error();
 * ```
 */
export function vadDecisions(probabilities: ArrayLike<number>, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(probabilities.length);
  for (let i = 0; i < out.length; i++) out[i] = probabilities[i]! > threshold ? 1 : 0;
  return out;
}

/** Options for {@link vadAgreement}. */
export interface VadAgreementOptions {
  /**
   * Ground-truth frame labels (1 = speech, 0 = not), one per frame; accuracies are reported when given.
   */
  labels?: ArrayLike<number>;
  /**
   * Speech when the probability is strictly above this.
   * @default 0.5
   */
  threshold?: number;
}

/** Agreement figures over a clip. */
export interface VadAgreement {
  /** Frames compared. */
  frames: number;
  /** Fraction of frames where candidate and reference decide alike. */
  agreement: number;
  /** Cosine similarity of the two probability sequences. */
  cosine: number;
  /** Largest probability difference over the frames. */
  maxAbsError: number;
  /** Frames the reference calls speech. */
  referenceSpeechFrames: number;
  /** Frames the candidate calls speech. */
  candidateSpeechFrames: number;
  /** Reference decisions against the labels (when labels are given). */
  referenceAccuracy: number | undefined;
  /** Candidate decisions against the labels (when labels are given). */
  candidateAccuracy: number | undefined;
}

/**
 * Compares a candidate VAD's per-frame probabilities with a reference's (and both with labels). Throws
 * `RangeError` when the lengths differ.
 *
 * @example
 * ```ts
 * const a = vadAgreement([0.9, 0.8, 0.1, 0.2], [0.9, 0.4, 0.1, 0.2], { labels: [1, 1, 0, 1] });
 * if (a.agreement !== 0.75 || a.referenceAccuracy !== 0.75 || a.candidateAccuracy !== 0.5) throw new Error();
 * ```
 */
export function vadAgreement(
  reference: ArrayLike<number>,
  candidate: ArrayLike<number>,
  options: VadAgreementOptions = {},
): VadAgreement {
  if (reference.length !== candidate.length) {
    throw new RangeError(
      `Cannot compare ${candidate.length} candidate frames with ${reference.length} reference frames`,
    );
  }
  const { labels } = options;
  if (labels && labels.length !== reference.length) {
    throw new RangeError(`Got ${labels.length} frame labels for ${reference.length} frames`);
  }
  const threshold = options.threshold ?? 0.5;
  const ref = vadDecisions(reference, threshold);
  const cand = vadDecisions(candidate, threshold);
  let maxAbsError = 0;
  for (let i = 0; i < reference.length; i++) {
    maxAbsError = Math.max(maxAbsError, Math.abs(reference[i]! - candidate[i]!));
  }
  return {
    frames: ref.length,
    agreement: fractionEqual(ref, cand),
    cosine: cosineSimilarity(reference, candidate),
    maxAbsError,
    referenceSpeechFrames: ref.reduce((s, d) => s + d, 0),
    candidateSpeechFrames: cand.reduce((s, d) => s + d, 0),
    referenceAccuracy: labels ? fractionEqual(ref, labels) : undefined,
    candidateAccuracy: labels ? fractionEqual(cand, labels) : undefined,
  };
}
