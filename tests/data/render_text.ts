/**
 * Realistic inputs for the PP-OCR models: text rendered to images by ImageMagick (`convert`, Debian
 * `imagemagick` + `fonts-dejavu-core`), read back as binary PPM. The PaddleOCR preprocessing and CTC
 * decoding are product code in src/eval/ and re-exported here for the suites that import them from here.
 * @module
 */
import { execFileSync } from "node:child_process";
import type { RgbImage } from "../../src/eval/rgb_image.ts";

export { clsInput, detInput, recInput } from "../../src/eval/ppocr_input.ts";
export { ctcDecode, ctcKeys } from "../../src/eval/ctc_decode.ts";

/** An 8-bit RGB image (the product's {@link RgbImage}). */
export type Rgb = RgbImage;

/** The six fonts of Debian `fonts-dejavu-core`, by ImageMagick name. */
export const CORE_FONTS = [
  "DejaVu-Sans",
  "DejaVu-Serif",
  "DejaVu-Sans-Mono",
  "DejaVu-Sans-Bold",
  "DejaVu-Serif-Bold",
  "DejaVu-Sans-Mono-Bold",
] as const;

/** Parses a binary PPM (P6, maxval 255). */
export function parsePpm(bytes: Uint8Array): Rgb {
  const fields: string[] = [];
  let i = 0;
  const space = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  while (fields.length < 4) {
    while (bytes[i] === 0x23 || space(bytes[i])) {
      if (bytes[i] === 0x23) { while (i < bytes.length && bytes[i] !== 0x0a) i++; }
      i++;
    }
    let field = "";
    while (i < bytes.length && !space(bytes[i])) field += String.fromCharCode(bytes[i++]!);
    fields.push(field);
  }
  const [magic, w, h, max] = fields;
  if (magic !== "P6" || max !== "255") throw new Error(`Expected an 8-bit P6 PPM, got ${magic} max ${max}`);
  const width = Number(w), height = Number(h);
  const pixels = bytes.slice(i + 1, i + 1 + width * height * 3);
  if (pixels.length !== width * height * 3) throw new Error(`Truncated PPM: ${width}×${height} needs more bytes`);
  return { width, height, pixels };
}

/** Encodes a binary PPM (P6, maxval 255). */
export function encodePpm(image: Rgb): Uint8Array {
  const header = new TextEncoder().encode(`P6\n${image.width} ${image.height}\n255\n`);
  const out = new Uint8Array(header.length + image.pixels.length);
  out.set(header);
  out.set(image.pixels, header.length);
  return out;
}

function convert(args: string[]): Rgb {
  return parsePpm(execFileSync("convert", [...args, "-depth", "8", "ppm:-"], { maxBuffer: 1 << 26 }));
}

/** ImageMagick's version line (recorded in data-set manifests). */
export function imageMagickVersion(): string {
  return execFileSync("convert", ["-version"], { encoding: "utf8" }).split("\n")[0]!.trim();
}

/** Options for {@link renderLine}. */
export interface RenderLineOptions {
  /** ImageMagick font name. @default "DejaVu-Sans" */
  font?: string;
  /** Height of the image; the 40-point label is scaled to it. @default 48 */
  height?: number;
}

/** A single text line, black on white, scaled to `height` pixels tall. */
export function renderLine(text: string, options: RenderLineOptions = {}): Rgb {
  return convert([
    ...["-background", "white", "-fill", "black", "-font", options.font ?? "DejaVu-Sans", "-pointsize", "40"],
    `label:${text}`,
    ...["-resize", `x${options.height ?? 48}`],
  ]);
}

/** One line of text placed on a page. */
export interface PageLine {
  text: string;
  font: string;
  pointsize: number;
  /** Left edge of the text, pixels. */
  x: number;
  /** Baseline, pixels from the top. */
  y: number;
  /** Text colour, e.g. `#202020`. */
  color: string;
}

/** A `size`×`size` page on `background` with the given lines (or plain strings, laid out top to bottom). */
export function renderPage(lines: readonly (PageLine | string)[], size = 320, background = "white"): Rgb {
  const args = ["-size", `${size}x${size}`, `xc:${background}`];
  lines.forEach((line, i) => {
    const l = typeof line === "string"
      ? { text: line, font: "DejaVu-Sans", pointsize: 22, x: 12, y: 40 + i * 56, color: "black" }
      : line;
    args.push(
      "-font",
      l.font,
      "-pointsize",
      String(l.pointsize),
      "-fill",
      l.color,
      "-annotate",
      `+${l.x}+${l.y}`,
      l.text,
    );
  });
  return convert(args);
}

/** The image turned upside down (rotated by 180°). */
export function rotate180(image: Rgb): Rgb {
  const n = image.width * image.height;
  const pixels = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) pixels.set(image.pixels.subarray(i * 3, i * 3 + 3), (n - 1 - i) * 3);
  return { width: image.width, height: image.height, pixels };
}
