/**
 * How a weight tensor splits into quantization groups. Every weight bitloop quantizes is read as
 * output channels × reduction: each output channel owns `rows` reduction rows (input channels) of
 * `inner` contiguous elements (the kernel window, 1 for matrices), and a block of `blockRows` rows is
 * one group with one scale and one zero point — so a conv block covers `block` input channels × kh × kw
 * contiguous weights, as MNN's converter does. The last block of a channel may be shorter (ragged).
 *
 * Groups are numbered channel-major: group `c · blocksPerChannel + b` is block `b` of channel `c`, and
 * quantized codes are stored in that same order, each channel's reduction elements in (row, inner)
 * order. For a conv or an `[N, K]` matrix that is the tensor's own order; for a `[K, N]` matrix or a
 * ConvTranspose it is the transpose a dot-product kernel wants (one output channel's weights contiguous).
 *
 * | kind             | dims                    | output channel       | reduction (rows × inner)     |
 * |------------------|-------------------------|----------------------|------------------------------|
 * | `conv`           | `[O, I/g, k…]`          | axis 0               | `I/g` × `prod(k)`            |
 * | `conv_transpose` | `[I, O/g, k…]`          | (group, axis 1)      | `I/g` × `prod(k)`            |
 * | `matmul_kn`      | `[…, K, N]`             | (leading…, last axis)| `K` × 1 (axis −2)            |
 * | `matmul_nk`      | `[…, N, K]`             | (leading…, axis −2)  | `K` × 1 (last axis)          |
 * | `rnn`            | `[dirs, gates·H, I]`    | (dir, row)           | `I` × 1 (last axis)          |
 * | `gather`         | `[vocab, dim…]`         | axis 0 (table row)   | `prod(dim…)` × 1             |
 *
 * `matmul_kn` is a MatMul's constant B and a Gemm B with `transB = 0`; `matmul_nk` is a Gemm B with
 * `transB = 1` and a MatMul's constant A (`[M, K]`: its rows are the output rows).
 * @module
 */

/** Which operand layout a weight has; see the table in this module's doc. */
export type WeightLayoutKind = "conv" | "conv_transpose" | "matmul_kn" | "matmul_nk" | "rnn" | "gather";

/** A weight's operand layout: its kind and, for ConvTranspose, the `group` attribute. */
export interface WeightLayout {
  /** The operand layout. */
  kind: WeightLayoutKind;
  /**
   * Convolution groups (only read for `conv_transpose`, whose output channels depend on it).
   * @default 1
   */
  group?: number;
}

/**
 * The groups of one weight tensor as strides: output channel `c` (`c = outer · channelsPerOuter + j`)
 * starts at `outer · outerStride + j · channelStride`; its reduction element (row `r`, inner `k`) is
 * `rowStride · r + k` further on.
 */
export interface GroupLayout {
  /** The operand layout this was computed for. */
  readonly kind: WeightLayoutKind;
  /** Output channels (scale rows). */
  readonly channels: number;
  /** Channels per outer index (conv groups of a ConvTranspose, leading batch dims of a matrix). */
  readonly channelsPerOuter: number;
  /** Element stride between outer indices. */
  readonly outerStride: number;
  /** Element stride between neighbouring channels of one outer index. */
  readonly channelStride: number;
  /** Reduction rows (input channels) per output channel. */
  readonly rows: number;
  /** Element stride between reduction rows. */
  readonly rowStride: number;
  /** Contiguous elements per reduction row (kernel window size; 1 for matrices). */
  readonly inner: number;
  /** Rows per block; equals `rows` for per-channel quantization. */
  readonly blockRows: number;
  /** Blocks per channel, `ceil(rows / blockRows)`; the last may be ragged. */
  readonly blocksPerChannel: number;
}

/**
 * The group layout of a weight of shape `dims`, with blocks of `blockSize` reduction rows (`0` = one
 * group per output channel). A block size larger than the reduction, or one that does not divide it,
 * is fine: the last block of each channel is shorter.
 *
 * @example
 * ```ts
 * const g = groupLayout([64, 32, 3, 3], { kind: "conv" }, 16);
 * if (g.channels !== 64 || g.blocksPerChannel !== 2 || g.inner !== 9) throw new Error("layout");
 * ```
 */
export function groupLayout(dims: readonly number[], layout: WeightLayout, blockSize = 0): GroupLayout {
  if (!Number.isInteger(blockSize) || blockSize < 0) {
    throw new RangeError(`Block size must be a non-negative integer (0 = per channel), got ${blockSize}`);
  }
  const shape = shapeOf(dims, layout);
  const blockRows = blockSize === 0 || blockSize > shape.rows ? Math.max(shape.rows, 1) : blockSize;
  return {
    kind: layout.kind,
    ...shape,
    blockRows,
    blocksPerChannel: shape.rows === 0 ? 0 : Math.ceil(shape.rows / blockRows),
  };
}

type Shape = Omit<GroupLayout, "kind" | "blockRows" | "blocksPerChannel">;

function shapeOf(dims: readonly number[], layout: WeightLayout): Shape {
  const need = (rank: number, what: string) => {
    if (dims.length < rank) {
      throw new RangeError(`A ${layout.kind} weight needs at least ${rank} dims (${what}), got [${dims}]`);
    }
  };
  const prod = (from: number, to = dims.length) => dims.slice(from, to).reduce((a, b) => a * b, 1);
  switch (layout.kind) {
    case "conv": {
      need(2, "[O, I/g, k…]");
      const inner = prod(2);
      return contiguous(dims[0]!, dims[1]!, inner);
    }
    case "conv_transpose": {
      need(2, "[I, O/g, k…]");
      const group = layout.group ?? 1;
      const inputs = dims[0]!;
      if (!Number.isInteger(group) || group < 1 || inputs % group !== 0) {
        throw new RangeError(`ConvTranspose weight [${dims}]: group ${group} does not divide ${inputs} input channels`);
      }
      const outPerGroup = dims[1]!;
      const inner = prod(2);
      const rows = inputs / group;
      return {
        channels: group * outPerGroup,
        channelsPerOuter: outPerGroup,
        outerStride: rows * outPerGroup * inner,
        channelStride: inner,
        rows,
        rowStride: outPerGroup * inner,
        inner,
      };
    }
    case "matmul_kn": {
      need(2, "[…, K, N]");
      const k = dims[dims.length - 2]!;
      const n = dims[dims.length - 1]!;
      return {
        channels: prod(0, dims.length - 2) * n,
        channelsPerOuter: n,
        outerStride: k * n,
        channelStride: 1,
        rows: k,
        rowStride: n,
        inner: 1,
      };
    }
    case "matmul_nk":
    case "rnn": {
      need(2, layout.kind === "rnn" ? "[dirs, gates·H, I]" : "[…, N, K]");
      const k = dims[dims.length - 1]!;
      return contiguous(prod(0, dims.length - 1), k, 1);
    }
    case "gather": {
      need(1, "[vocab, dim…]");
      return contiguous(dims[0]!, prod(1), 1);
    }
    default:
      throw new TypeError(`Unknown weight layout kind "${(layout as { kind: string }).kind}"`);
  }
}

function contiguous(channels: number, rows: number, inner: number): Shape {
  const length = rows * inner;
  return { channels, channelsPerOuter: channels, outerStride: 0, channelStride: length, rows, rowStride: inner, inner };
}

/** Number of groups (scales) of a layout. */
export function groupCount(g: GroupLayout): number {
  return g.channels * g.blocksPerChannel;
}

/** Elements in block `block` of any channel (the last block may be short). */
export function blockLength(g: GroupLayout, block: number): number {
  return Math.min(g.blockRows, g.rows - block * g.blockRows) * g.inner;
}

/** The element counts of every group, in group order (for byte-aligned packing). */
export function groupLengths(g: GroupLayout): Int32Array {
  const out = new Int32Array(groupCount(g));
  for (let c = 0, i = 0; c < g.channels; c++) {
    for (let b = 0; b < g.blocksPerChannel; b++) out[i++] = blockLength(g, b);
  }
  return out;
}

/** Offset in the original tensor of channel `c`'s first reduction element. */
export function channelOffset(g: GroupLayout, c: number): number {
  const outer = Math.floor(c / g.channelsPerOuter);
  return outer * g.outerStride + (c - outer * g.channelsPerOuter) * g.channelStride;
}
