/**
 * The nn operator family: every op definition in ops/nn/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";
import { batchNormalization } from "./nn/batch_normalization.ts";
import { conv } from "./nn/conv.ts";
import { convTranspose } from "./nn/conv_transpose.ts";
import { globalAveragePool, globalMaxPool } from "./nn/global_pool.ts";
import { gru } from "./nn/gru.ts";
import { instanceNormalization } from "./nn/instance_normalization.ts";
import { layerNormalization } from "./nn/layer_normalization.ts";
import { lrn } from "./nn/lrn.ts";
import { lstm } from "./nn/lstm.ts";
import { padOp } from "./nn/pad.ts";
import { averagePoolOp, maxPoolOp } from "./nn/pool.ts";
import { resize, upsample } from "./nn/resize.ts";
import { rnn } from "./nn/rnn.ts";

/** Op definitions of the nn family. */
export const NN_OPS: readonly OpDefinition[] = [
  conv,
  convTranspose,
  maxPoolOp,
  averagePoolOp,
  globalAveragePool,
  globalMaxPool,
  batchNormalization,
  instanceNormalization,
  layerNormalization,
  lrn,
  padOp,
  resize,
  upsample,
  rnn,
  gru,
  lstm,
];
