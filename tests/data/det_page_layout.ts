// Seeded layouts of the detector's document pages (tests/data/ocr_sets.ts `detPageSet`): what is written
// where, in which font, size and colour, on which paper. Pages cycle through five document kinds so that
// every 5 pages cover them all:
//   0 body text: 5–8 lines of 14–18 pt, left-aligned, sometimes indented;
//   1 heading: a 26–32 pt bold title over 3–5 lines of 15–20 pt;
//   2 sparse: 3–4 lines of 20–28 pt at scattered positions (a label, a sign, a form);
//   3 receipt: 4–7 rows of 15–19 pt, a short left field and a right-aligned amount;
//   4 list: 4–5 short lines of 20–26 pt, each in its own font and grey, on the left half of the page.
// Text is dark on light paper: black, greys, dark blue, dark red or dark green on white, grey, cream or
// pale blue. A line is cut at a word so that its estimated width stays on the page.
import { seededRandom } from "../_random.ts";
import { CORE_FONTS, type PageLine } from "./render_text.ts";
import { randomTextLines } from "./text_lines.ts";

/** One page: its lines and its background colour. */
export interface PageLayout {
  lines: PageLine[];
  background: string;
}

const INKS = ["#000000", "#202020", "#383838", "#1a237e", "#7f1d1d", "#14532d"] as const;
const PAPERS = ["#ffffff", "#f4f4f4", "#e8e8e8", "#f5f0e1", "#eaf1f8"] as const;
const BOLD_FONTS = CORE_FONTS.filter((f) => f.endsWith("-Bold"));

/** Estimated rendered width of `text` in pixels (DejaVu advances are about 0.6–0.65 em). */
function estimatedWidth(text: string, pointsize: number): number {
  return Math.ceil(text.length * pointsize * 0.66);
}

/** `count` seeded page layouts on `size`×`size` pages. */
export function detPageLayouts(count: number, seed: number, size: number): PageLayout[] {
  const next = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const texts = randomTextLines(count * 24, seed + 1);
  let t = 0;
  const text = () => texts[t++ % texts.length]!;
  /** A line of up to `words` drawn texts that fits `room` pixels at `pointsize` (at least one text). */
  const fitted = (room: number, pointsize: number, words: number) => {
    let line = text();
    for (let i = 1; i < words; i++) {
      const more = `${line} ${text()}`;
      if (estimatedWidth(more, pointsize) > room) break;
      line = more;
    }
    return line;
  };
  const pages: PageLayout[] = [];
  for (let p = 0; p < count; p++) {
    const ink = pick(INKS), font = pick(CORE_FONTS);
    const lines: PageLine[] = [];
    const add = (line: Omit<PageLine, "color" | "font"> & { font?: string; color?: string }) =>
      lines.push({ font, color: ink, ...line, y: Math.min(line.y, size - 8) });
    const kind = p % 5;
    if (kind === 0) {
      const pointsize = int(14, 18), n = int(5, 8), x = int(8, 20);
      let y = int(10, 30) + pointsize;
      for (let i = 0; i < n && y < size - 8; i++) {
        const indent = i > 0 && next() < 0.25 ? int(16, 40) : 0;
        add({ text: fitted(size - x - indent - 8, pointsize, 3), pointsize, x: x + indent, y });
        y += Math.round(pointsize * (1.5 + next() * 0.6));
      }
    } else if (kind === 1) {
      const title = int(26, 32), x = int(8, 24);
      let y = int(8, 24) + title;
      add({ text: fitted(size - x - 8, title, 2), pointsize: title, x, y, font: pick(BOLD_FONTS) });
      y += Math.round(title * 0.9) + int(8, 20);
      const pointsize = int(15, 20);
      for (let i = 0, n = int(3, 5); i < n && y < size - 8; i++) {
        y += pointsize;
        add({ text: fitted(size - x - 8, pointsize, 2), pointsize, x, y });
        y += Math.round(pointsize * (0.6 + next() * 0.5));
      }
    } else if (kind === 2) {
      const n = int(3, 4), band = Math.floor((size - 16) / n);
      for (let i = 0; i < n; i++) {
        const pointsize = int(20, 28), line = text();
        const room = Math.max(8, size - 8 - estimatedWidth(line, pointsize));
        add({ text: line, pointsize, x: int(8, Math.min(160, room)), y: 8 + i * band + int(pointsize, band - 4) });
      }
    } else if (kind === 3) {
      const pointsize = int(15, 19), n = int(4, 7), x = int(8, 20);
      let y = int(12, 36) + pointsize;
      for (let i = 0; i < n && y < size - 8; i++) {
        const amount = `${int(1, 999)}.${String(int(0, 99)).padStart(2, "0")}`;
        const left = texts[t++ % texts.length]!.slice(0, 9);
        add({ text: left, pointsize, x, y });
        add({ text: amount, pointsize, x: size - 10 - estimatedWidth(amount, pointsize), y });
        y += Math.round(pointsize * (1.6 + next() * 0.5));
      }
    } else {
      let y = int(8, 24);
      for (let i = 0, n = int(4, 5); i < n; i++) {
        const pointsize = int(20, 26), grey = int(0, 64).toString(16).padStart(2, "0");
        y += Math.round(pointsize * 1.2) + int(14, 30);
        add({ text: text(), pointsize, x: int(8, 40), y, font: pick(CORE_FONTS), color: `#${grey}${grey}${grey}` });
      }
    }
    pages.push({ lines, background: pick(PAPERS) });
  }
  return pages;
}
