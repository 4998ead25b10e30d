/**
 * Realistic inputs for the PP-OCR models: text rendered to images by ImageMagick (`convert`, Debian
 * `imagemagick` + `fonts-dejavu-core`), read back as binary PPM and normalized the way PaddleOCR does.
 * @module
 */
import { execFileSync } from "node:child_process";
import { Tensor } from "../../src/graph/tensor.ts";

/** An 8-bit RGB image. */
export interface Rgb {
  width: number;
  height: number;
  /** Interleaved RGB bytes, row-major. */
  pixels: Uint8Array;
}

/** Parses a binary PPM (P6, maxval 255). */
export function parsePpm(bytes: Uint8Array): Rgb {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (bytes[i] === 0x23 || /\s/.test(String.fromCharCode(bytes[i]!))) {
      if (bytes[i] === 0x23) while (bytes[i] !== 0x0a) i++;
      i++;
    }
    let field = "";
    while (!/\s/.test(String.fromCharCode(bytes[i]!))) field += String.fromCharCode(bytes[i++]!);
    fields.push(field);
  }
  const [magic, w, h, max] = fields;
  if (magic !== "P6" || max !== "255") throw new Error(`Expected an 8-bit P6 PPM, got ${magic} max ${max}`);
  const width = Number(w), height = Number(h);
  return { width, height, pixels: bytes.subarray(i + 1, i + 1 + width * height * 3) };
}

function convert(args: string[]): Rgb {
  return parsePpm(execFileSync("convert", [...args, "-depth", "8", "ppm:-"], { maxBuffer: 1 << 26 }));
}

/** A single text line, black on white, scaled to `height` pixels tall. */
export function renderLine(text: string, height = 48): Rgb {
  return convert([
    "-background", "white", "-fill", "black", "-font", "DejaVu-Sans", "-pointsize", "40",
    `label:${text}`, "-resize", `x${height}`,
  ]);
}

/** A `size`×`size` page with the given lines of text. */
export function renderPage(lines: string[], size = 320): Rgb {
  const args = ["-size", `${size}x${size}`, "xc:white", "-fill", "black", "-font", "DejaVu-Sans", "-pointsize", "22"];
  lines.forEach((line, i) => args.push("-annotate", `+12+${40 + i * 56}`, line));
  return convert(args);
}

/**
 * PP-OCR recognizer input: BGR, (x/255 − 0.5)/0.5, padded with zeros on the right to `width`
 * (PaddleOCR's rec preprocessing), shape [1, 3, height, width].
 */
export function recInput(img: Rgb, width = 320): Tensor {
  const { height } = img;
  const w = Math.min(img.width, width);
  const out = new Float32Array(3 * height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * img.width + x) * 3;
      for (let c = 0; c < 3; c++) {
        // channel 0 = B, 1 = G, 2 = R
        out[(c * height + y) * width + x] = (img.pixels[p + 2 - c]! / 255 - 0.5) / 0.5;
      }
    }
  }
  return new Tensor("float32", out, [1, 3, height, width]);
}

/** PP-OCR detector input: BGR with ImageNet mean/std, shape [1, 3, H, W]. */
export function detInput(img: Rgb): Tensor {
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const { width, height } = img;
  const out = new Float32Array(3 * height * width);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      out[c * width * height + i] = (img.pixels[i * 3 + 2 - c]! / 255 - mean[c]!) / std[c]!;
    }
  }
  return new Tensor("float32", out, [1, 3, height, width]);
}

/** PP-OCR classifier input: a line resized to 48×192 area, normalized like rec. */
export function clsInput(img: Rgb): Tensor {
  return recInput(img, 192);
}

/**
 * Greedy CTC decoding of a PP-OCR recognizer output [1, T, classes]: argmax per step, collapse repeats,
 * drop the blank (class 0). `keys` are the lines of ppocr_keys_v1.txt; the last class is a space.
 */
export function ctcDecode(probs: Tensor, keys: string[]): string {
  const [, steps, classes] = probs.dims as [number, number, number];
  const data = probs.data as Float32Array;
  let text = "";
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[t * classes + c]! > data[t * classes + best]!) best = c;
    if (best !== 0 && best !== previous) text += best - 1 < keys.length ? keys[best - 1] : " ";
    previous = best;
  }
  return text;
}
