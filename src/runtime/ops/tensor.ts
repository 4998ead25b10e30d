/**
 * The tensor operator family (data movement, shapes, indexing, casts): every op definition in
 * ops/tensor/, in one list for the registry.
 * @module
 */
import type { OpDefinition } from "../op.ts";
import { cast } from "./tensor/cast.ts";
import { castLike } from "./tensor/cast_like.ts";
import { concat } from "./tensor/concat.ts";
import { constantOfShape } from "./tensor/constant_of_shape.ts";
import { depthToSpace } from "./tensor/depth_to_space.ts";
import { dropout } from "./tensor/dropout.ts";
import { expand } from "./tensor/expand.ts";
import { eyeLike } from "./tensor/eye_like.ts";
import { flatten } from "./tensor/flatten.ts";
import { gather } from "./tensor/gather.ts";
import { gatherElements } from "./tensor/gather_elements.ts";
import { gatherNd } from "./tensor/gather_nd.ts";
import { nonZero } from "./tensor/non_zero.ts";
import { oneHot } from "./tensor/one_hot.ts";
import { range } from "./tensor/range.ts";
import { reshape } from "./tensor/reshape.ts";
import { scatterNd } from "./tensor/scatter_nd.ts";
import { shape } from "./tensor/shape.ts";
import { size } from "./tensor/size.ts";
import { slice } from "./tensor/slice.ts";
import { spaceToDepth } from "./tensor/space_to_depth.ts";
import { split } from "./tensor/split.ts";
import { squeeze } from "./tensor/squeeze.ts";
import { tile } from "./tensor/tile.ts";
import { topK } from "./tensor/top_k.ts";
import { transpose } from "./tensor/transpose.ts";
import { trilu } from "./tensor/trilu.ts";
import { unsqueeze } from "./tensor/unsqueeze.ts";

/** Op definitions of the tensor family. */
export const TENSOR_OPS: readonly OpDefinition[] = [
  cast,
  castLike,
  concat,
  constantOfShape,
  depthToSpace,
  dropout,
  expand,
  eyeLike,
  flatten,
  gather,
  gatherElements,
  gatherNd,
  nonZero,
  oneHot,
  range,
  reshape,
  scatterNd,
  shape,
  size,
  slice,
  spaceToDepth,
  split,
  squeeze,
  tile,
  topK,
  transpose,
  trilu,
  unsqueeze,
];
