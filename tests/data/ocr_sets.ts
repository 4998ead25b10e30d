/**
 * The PP-OCR accuracy data sets, generated reproducibly (seeded text, fonts from Debian
 * `fonts-dejavu-core`, ImageMagick rendering) and cached under tests/data/cache/:
 *
 * - rec: text lines rendered 48 px tall, each at most 320 px wide (a line that renders wider is
 *   replaced by the next seeded line), fonts taken in turn from the six core DejaVu fonts.
 * - cls: shorter lines rendered the same way, each upright (label 0) and rotated by 180° (label 1),
 *   PaddleOCR's direction-classifier labels.
 * - det: 320×320 document pages (body text, headings, sparse labels, receipts, lists) with 3–14 lines each at
 *   seeded positions, sizes (14–32 pt), fonts, dark inks and light papers (`det_page_layout.ts`).
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cached, readJson, sourceHash, writeJson } from "./_cache.ts";
import { detPageLayouts } from "./det_page_layout.ts";
import {
  CORE_FONTS,
  encodePpm,
  imageMagickVersion,
  type PageLine,
  parsePpm,
  renderLine,
  renderPage,
  type Rgb,
  rotate180,
} from "./render_text.ts";
import { randomTextLines } from "./text_lines.ts";

/** A rendered text line with its truth. */
export interface LineSample {
  text: string;
  font: string;
  image: Rgb;
}

/** A direction-classifier sample: 0 = upright, 1 = rotated by 180°. */
export interface ClsSample extends LineSample {
  label: 0 | 1;
}

/** A rendered page and what is written on it. */
export interface PageSample {
  lines: PageLine[];
  image: Rgb;
}

/** Options shared by the OCR data sets. */
export interface OcrSetOptions {
  /** How many lines (rec, cls before rotation) or pages (det). */
  count?: number;
  /** Seed of the text and layout. */
  seed?: number;
}

/** Image height of rec and cls lines. */
export const LINE_HEIGHT = 48;
/** Widest rec line, in pixels. */
export const REC_MAX_WIDTH = 320;
/** Side of a det page, in pixels. */
export const PAGE_SIZE = 320;

const SOURCES = sourceHash(["ocr_sets.ts", "render_text.ts", "text_lines.ts", "det_page_layout.ts"]);

interface LineManifest {
  imageMagick: string;
  lines: { text: string; font: string; file: string }[];
}

/** Text lines for the recognizer: 24 by default, every one at most 320 px wide. */
export function recLineSet(options: OcrSetOptions = {}): LineSample[] {
  const spec = {
    sources: SOURCES,
    set: "rec",
    count: options.count ?? 24,
    seed: options.seed ?? 2026,
    height: LINE_HEIGHT,
  };
  const dir = cached("ocr-rec", spec, (tmp) => {
    const texts = randomTextLines(spec.count * 3, spec.seed);
    const lines: LineManifest["lines"] = [];
    for (const text of texts) {
      if (lines.length === spec.count) break;
      const font = CORE_FONTS[lines.length % CORE_FONTS.length]!;
      const image = renderLine(text, { font, height: spec.height });
      if (image.width > REC_MAX_WIDTH) continue;
      const file = `line_${String(lines.length).padStart(2, "0")}.ppm`;
      writeFileSync(tmp + file, encodePpm(image));
      lines.push({ text, font, file });
    }
    if (lines.length < spec.count) {
      throw new Error(`Only ${lines.length} of ${spec.count} lines fit ${REC_MAX_WIDTH} px`);
    }
    writeJson(`${tmp}manifest.json`, { imageMagick: imageMagickVersion(), lines } satisfies LineManifest);
  });
  return readJson<LineManifest>(`${dir}manifest.json`).lines.map((l) => ({
    text: l.text,
    font: l.font,
    image: parsePpm(readFileSync(dir + l.file)),
  }));
}

/** Direction-classifier samples: 12 lines by default, each upright then rotated (24 samples, half each label). */
export function clsLineSet(options: OcrSetOptions = {}): ClsSample[] {
  const spec = {
    sources: SOURCES,
    set: "cls",
    count: options.count ?? 12,
    seed: options.seed ?? 180,
    height: LINE_HEIGHT,
  };
  const dir = cached("ocr-cls", spec, (tmp) => {
    const lines = randomTextLines(spec.count, spec.seed).map((text, i) => {
      const font = CORE_FONTS[i % CORE_FONTS.length]!;
      const file = `line_${String(i).padStart(2, "0")}.ppm`;
      writeFileSync(tmp + file, encodePpm(renderLine(text, { font, height: spec.height })));
      return { text, font, file };
    });
    writeJson(`${tmp}manifest.json`, { imageMagick: imageMagickVersion(), lines } satisfies LineManifest);
  });
  return readJson<LineManifest>(`${dir}manifest.json`).lines.flatMap((l): ClsSample[] => {
    const image = parsePpm(readFileSync(dir + l.file));
    return [
      { text: l.text, font: l.font, image, label: 0 },
      { text: l.text, font: l.font, image: rotate180(image), label: 1 },
    ];
  });
}

interface PageManifest {
  imageMagick: string;
  pages: { lines: PageLine[]; background: string; file: string }[];
}

/**
 * Detector pages: 15 by default, 320×320 documents of five kinds in turn (body text, heading, sparse
 * labels, receipt, list in mixed fonts; `det_page_layout.ts`), 14–32 pt, dark text on light paper.
 */
export function detPageSet(options: OcrSetOptions = {}): PageSample[] {
  const spec = { sources: SOURCES, set: "det", count: options.count ?? 15, seed: options.seed ?? 320, size: PAGE_SIZE };
  const dir = cached("ocr-det", spec, (tmp) => {
    const pages: PageManifest["pages"] = detPageLayouts(spec.count, spec.seed, spec.size).map((page, p) => {
      const file = `page_${String(p).padStart(2, "0")}.ppm`;
      writeFileSync(tmp + file, encodePpm(renderPage(page.lines, spec.size, page.background)));
      return { ...page, file };
    });
    writeJson(`${tmp}manifest.json`, { imageMagick: imageMagickVersion(), pages } satisfies PageManifest);
  });
  return readJson<PageManifest>(`${dir}manifest.json`).pages.map((p) => ({
    lines: p.lines,
    image: parsePpm(readFileSync(dir + p.file)),
  }));
}
