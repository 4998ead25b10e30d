/**
 * PaddleOCR's preprocessing, turning an RGB image into each PP-OCR model's input tensor. The models take
 * BGR channel order (PaddleOCR reads images with OpenCV).
 *
 * - rec / cls (`resize_norm_img`): resize to height 48 keeping the aspect ratio, width
 *   `min(maxWidth, ceil(48 · w / h))` (squeezed when wider), `(x/255 − 0.5)/0.5`, zero-padded on the right
 *   to `maxWidth` (320 for rec, 192 for cls); shape `[1, 3, 48, maxWidth]`.
 * - det (`DetResizeForTest` + `NormalizeImage`): the longer side capped at `limitSideLength`, each side
 *   rounded to a multiple of 32, ImageNet mean/std applied in BGR order as PaddleOCR does; `[1, 3, H, W]`.
 * @module
 */
import { Tensor } from "../graph/tensor.ts";
import { checkRgbImage, resizeBilinear, type RgbImage } from "./rgb_image.ts";

/** Options for {@link recInput} and {@link clsInput}. */
export interface LineInputOptions {
  /**
   * Width of the input tensor; lines are padded (or squeezed) to it.
   * @default 320 for rec, 192 for cls
   */
  width?: number;
  /**
   * Height of the input tensor.
   * @default 48
   */
  height?: number;
}

/**
 * The PP-OCR recognizer input for one text line.
 *
 * @example
 * ```ts
 * const line = { width: 96, height: 24, pixels: new Uint8Array(96 * 24 * 3).fill(255) };
 * const x = recInput(line);
 * // resized to 192×48, padded with zeros to 320
 * if (x.dims.join() !== "1,3,48,320" || x.data[191] !== 1 || x.data[192] !== 0) throw new Error();
 * ```
 */
export function recInput(image: RgbImage, options: LineInputOptions = {}): Tensor {
  return lineInput(image, options.width ?? 320, options.height ?? 48);
}

/**
 * The PP-OCR direction classifier input for one text line (like {@link recInput}, 192 wide).
 *
 * @example
 * ```ts
 * const line = { width: 400, height: 48, pixels: new Uint8Array(400 * 48 * 3) };
 * if (clsInput(line).dims.join() !== "1,3,48,192") throw new Error("squeezed to 192");
 * ```
 */
export function clsInput(image: RgbImage, options: LineInputOptions = {}): Tensor {
  return lineInput(image, options.width ?? 192, options.height ?? 48);
}

function lineInput(image: RgbImage, width: number, height: number): Tensor {
  checkRgbImage(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Invalid line input size ${width}×${height}`);
  }
  const resizedWidth = Math.min(width, Math.ceil((height * image.width) / image.height));
  const img = resizeBilinear(image, resizedWidth, height);
  const out = new Float32Array(3 * height * width);
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < resizedWidth; x++) {
      const p = (y * resizedWidth + x) * 3;
      const o = y * width + x;
      // channel 0 = B, 1 = G, 2 = R
      out[o] = (img.pixels[p + 2]! / 255 - 0.5) / 0.5;
      out[plane + o] = (img.pixels[p + 1]! / 255 - 0.5) / 0.5;
      out[2 * plane + o] = (img.pixels[p]! / 255 - 0.5) / 0.5;
    }
  }
  return new Tensor("float32", out, [1, 3, height, width]);
}

/** Options for {@link detInput}. */
export interface DetInputOptions {
  /**
   * The longer side is scaled down to this many pixels when it exceeds it (PaddleOCR `limit_side_len`,
   * `limit_type: max`).
   * @default 960
   */
  limitSideLength?: number;
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * The PP-OCR detector input for a page.
 *
 * @example
 * ```ts
 * const page = { width: 100, height: 70, pixels: new Uint8Array(100 * 70 * 3).fill(255) };
 * // 100×70 → 96×64 (multiples of 32); white in channel 0 is (1 − 0.485) / 0.229
 * const x = detInput(page);
 * if (x.dims.join() !== "1,3,64,96" || Math.abs(x.data[0] as number - 0.515 / 0.229) > 1e-6) throw new Error();
 * ```
 */
export function detInput(image: RgbImage, options: DetInputOptions = {}): Tensor {
  checkRgbImage(image);
  const limit = options.limitSideLength ?? 960;
  if (!(limit >= 32)) throw new RangeError(`limitSideLength must be at least 32, got ${limit}`);
  const longer = Math.max(image.width, image.height);
  const ratio = longer > limit ? limit / longer : 1;
  const round32 = (n: number) => Math.max(32, Math.round((n * ratio) / 32) * 32);
  const img = resizeBilinear(image, round32(image.width), round32(image.height));
  const { width, height } = img;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (img.pixels[i * 3 + 2 - c]! / 255 - MEAN[c]!) / STD[c]!;
  }
  return new Tensor("float32", out, [1, 3, height, width]);
}
