// Seeded text for the OCR data sets: short lines (≤ 13 characters, so a line rendered 48 px tall stays
// within PP-OCR's 320-px recognizer width) mixing words, capitals, digits and the punctuation PP-OCR's
// dictionary holds: , . : ; ! ? ( ) # % $ @ / -.
import { seededRandom } from "../_random.ts";

const WORDS = [
  "edge",
  "board",
  "model",
  "total",
  "price",
  "order",
  "label",
  "delta",
  "north",
  "river",
  "green",
  "quick",
  "light",
  "paper",
  "metal",
  "sunny",
  "water",
  "stone",
  "cloud",
  "tiger",
  "lemon",
  "piano",
  "radio",
  "train",
  "ocean",
  "field",
  "house",
  "smart",
  "fresh",
  "quiet",
  "amber",
  "bravo",
  "coral",
  "daisy",
  "eagle",
  "grape",
  "hotel",
  "ivory",
  "lunar",
  "mango",
  "noble",
  "orbit",
  "pixel",
  "queen",
  "robin",
  "tempo",
  "vivid",
  "waltz",
  "yacht",
  "zebra",
  "bit",
  "loop",
  "run",
  "cat",
  "map",
  "sky",
  "fox",
  "jam",
  "key",
  "box",
];

type Pick = {
  word: () => string;
  cap: () => string;
  int: (lo: number, hi: number) => number;
  pad: (lo: number, hi: number) => string;
  one: <T>(items: readonly T[]) => T;
};

const TEMPLATES: ((p: Pick) => string)[] = [
  (p) => `${p.cap()} ${p.int(1, 999)}`,
  (p) => `${p.word()}, ${p.word()}!`,
  (p) => `Total: ${p.int(1, 99)}.${p.pad(0, 99)}`,
  (p) => `${p.int(1990, 2030)}-${p.pad(1, 12)}-${p.pad(1, 28)}`,
  (p) => `${p.pad(1, 12)}:${p.pad(0, 59)} ${p.one(["AM", "PM"])}`,
  (p) => `#${p.int(1, 99)} ${p.cap()}`,
  (p) => `(${p.word()}) ${p.int(1, 99)}%`,
  (p) => `${p.cap()}; ${p.word()}?`,
  (p) => `$${p.int(1, 999)}.${p.pad(0, 99)}`,
  (p) => `${p.word()}@${p.word()}.io`,
  (p) => `No. ${p.int(1, 99)}/${p.int(1, 99)}`,
  (p) => `${p.word().toUpperCase()} ${p.int(1, 99)}`,
  (p) => `${p.word()}-${p.int(10, 99)}`,
  (p) => `Tel ${p.pad(100, 999)}-${p.int(1000, 9999)}`,
];

/** Longest line the generator produces. */
export const MAX_LINE_CHARS = 13;

/** `count` distinct seeded text lines of at most {@link MAX_LINE_CHARS} characters, the templates used in turn. */
export function randomTextLines(count: number, seed: number): string[] {
  const next = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const p: Pick = {
    word: () => WORDS[int(0, WORDS.length - 1)]!,
    cap: () => {
      const w = p.word();
      return w[0]!.toUpperCase() + w.slice(1);
    },
    int,
    pad: (lo, hi) => String(int(lo, hi)).padStart(String(hi).length, "0"),
    one: (items) => items[int(0, items.length - 1)]!,
  };
  // Templates in a seeded order, each once per round; a line too long or already drawn is redrawn
  // from the same template.
  const out: string[] = [];
  const seen = new Set<string>();
  let order: number[] = [];
  while (out.length < count) {
    if (order.length === 0) order = shuffled(TEMPLATES.length, next);
    const template = TEMPLATES[order.pop()!]!;
    for (let attempt = 0; attempt < 50; attempt++) {
      const line = template(p);
      if (line.length > MAX_LINE_CHARS || seen.has(line)) continue;
      seen.add(line);
      out.push(line);
      break;
    }
  }
  return out;
}

function shuffled(n: number, next: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
