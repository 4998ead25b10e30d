// qd8 convolution binding (low memory mode's Conv): the image is copied into kernel memory once, then
// per chunk of output pixels `bl_qd8_conv_rows` quantizes the patch rows to int8 straight from the image
// (borders through a few float rows at a time in an L1-sized tile), `bl_qd8_f32_qcw_gemm` multiplies
// them by the packed weights, and `bl_f32_scatter_columns` writes the pixel-major result into the NCHW
// output, which is copied out once. No float patch matrix is written. An input scale per channel (an SE
// gate) is applied in kernel memory after the copy in (`_input_scale.ts`).
import { type Activation, encodeActivation } from "./activation.ts";
import { checkInputScale, scaleImage } from "./_input_scale.ts";
import type { KernelModule } from "./kernel_module.ts";
import type { PackedQcw } from "./_qd8_gemm.ts";
import { qcwBlocks } from "./ref/qd8_f32_qcw_gemm_ref.ts";
import { conv2dOutputSize } from "./ref/f32_conv2d_ref.ts";

/** Options of one qd8 convolution call (one NCHW image batch, group 1). */
export interface Qd8Conv2dOptions {
  /** Input channels (the weights' `k` must be `channels · kh · kw`). */
  channels: number;
  /** Input height. */
  height: number;
  /** Input width. */
  width: number;
  /** Kernel `[kh, kw]`. */
  kernel: readonly [number, number];
  /** Images in `x`. @default 1 */
  batch?: number;
  /** `[sh, sw]`. @default [1, 1] */
  strides?: readonly [number, number];
  /** `[dh, dw]`. @default [1, 1] */
  dilations?: readonly [number, number];
  /** `[top, left, bottom, right]`. @default [0, 0, 0, 0] */
  pads?: readonly [number, number, number, number];
  /** Quantize the patch rows asymmetrically. @default false */
  asymmetric?: boolean;
  /** Fused activation. @default "none" */
  activation?: Activation;
  /** Where to write the output; a new array when omitted. */
  out?: Float32Array;
  /** One factor per image and input channel the input is multiplied by first, as `Conv2dF32Options.inputScale`. */
  inputScale?: Float32Array;
}

/** Output pixels per chunk are `CHUNK_BYTES / (4·k)`: bounds the int8 rows and GEMM output of one call. */
const CHUNK_BYTES = 256 * 1024;
/** Float patch rows built at a time (pixels the direct path does not take) before they are quantized: L1. */
const TILE_BYTES = 16 * 1024;

/** Runs the convolution; `name` (the GEMM kernel's) goes into error messages. */
export function qd8Conv2d(
  module: KernelModule,
  name: string,
  x: Float32Array,
  w: PackedQcw,
  o: Qd8Conv2dOptions,
): { data: Float32Array; dims: [number, number, number, number] } {
  w.assertOwner(module, "qd8Conv2d: weights");
  const batch = o.batch ?? 1;
  const c = o.channels, [kh, kw] = o.kernel;
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const pads = o.pads ?? [0, 0, 0, 0];
  const { n: oc, k, bits, blockSize } = w;
  if (c * kh * kw !== k) {
    throw new RangeError(
      `qd8Conv2d: ${c} channels × ${kh}×${kw} kernel is ${
        c * kh * kw
      } weights per output, the packed weights have ${k}`,
    );
  }
  const [oh, ow] = conv2dOutputSize({
    c,
    h: o.height,
    w: o.width,
    oc,
    kh,
    kw,
    group: 1,
    strides: [sh, sw],
    dilations: [dh, dw],
    pads,
  });
  const inSize = c * o.height * o.width, pixels = oh * ow, outSize = oc * pixels;
  if (x.length !== batch * inSize) {
    throw new RangeError(`qd8Conv2d: x has ${x.length} elements, expected ${batch}·${c}·${o.height}·${o.width}`);
  }
  if (o.inputScale !== undefined) checkInputScale("qd8Conv2d", o.inputScale, batch, c);
  const out = o.out ?? new Float32Array(batch * outSize);
  if (out.length !== batch * outSize) {
    throw new RangeError(`qd8Conv2d: out has ${out.length} elements, expected ${batch * outSize}`);
  }
  const act = encodeActivation(o.activation);
  const ex = module.exports, heap = module.heap;
  const lda = Math.ceil(k / 8) * 8;
  const chunk = Math.max(1, Math.min(pixels, Math.floor(CHUNK_BYTES / (k * 4))));
  const scratchBytes = chunk * qcwBlocks(k, blockSize) * 4;
  // bl_qd8_conv_rows scratch: k tap offsets, then whole float rows and 4 floats of spill.
  const tileBytes = (k + Math.max(1, Math.floor((TILE_BYTES / 4 - 4) / k)) * k + 4) * 4;
  const ptrs: number[] = [];
  const alloc = (bytes: number) => {
    const p = heap.alloc(bytes);
    ptrs.push(p);
    return p;
  };
  try {
    const pd = alloc(15 * 4), px = alloc(inSize * 4), py = alloc(outSize * 4);
    const ptile = alloc(tileBytes), pq = alloc(chunk * lda), ps = alloc(chunk * 4), pz = alloc(chunk * 4);
    const pc = alloc(chunk * oc * 4), pscr = alloc(scratchBytes);
    const pk = o.inputScale === undefined ? 0 : alloc(c * 4);
    heap.u32(pd, 15).set([c, o.height, o.width, oc, 1, kh, kw, sh, sw, dh, dw, pads[0], pads[1], oh, ow]);
    const where = () => `c=${c}, ${o.height}×${o.width}, oc=${oc}, k=${kh}×${kw}, bits=${bits}`;
    for (let b = 0; b < batch; b++) {
      heap.f32(px, inSize).set(x.subarray(b * inSize, (b + 1) * inSize));
      if (o.inputScale !== undefined) scaleImage(module, px, c, o.height * o.width, o.inputScale, b, pk);
      for (let first = 0; first < pixels; first += chunk) {
        const m = Math.min(chunk, pixels - first);
        let status = ex.bl_qd8_conv_rows(pd, px, first, m, o.asymmetric ? 1 : 0, ptile, tileBytes, pq, lda, ps, pz);
        module.check(status, name, where);
        status = ex.bl_qd8_f32_qcw_gemm(
          m,
          oc,
          k,
          bits,
          blockSize,
          pq,
          lda,
          ps,
          pz,
          w.ptr,
          pc,
          oc,
          act.code,
          act.p0,
          act.p1,
          pscr,
          scratchBytes,
        );
        module.check(status, name, where);
        status = ex.bl_f32_scatter_columns(pc, m, oc, py + first * 4, pixels);
        module.check(status, name, where);
      }
      out.set(heap.f32(py, outSize), b * outSize);
    }
  } finally {
    for (const p of ptrs) heap.free(p);
  }
  return { data: out, dims: [batch, oc, oh, ow] };
}
