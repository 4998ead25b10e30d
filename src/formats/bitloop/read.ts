// Placeholder until the bitloop format lands.
import type { Model } from "../../graph/graph.ts";
/** Options for readBitloop. */
export interface ReadBitloopOptions { readSidecar?: (name: string) => Promise<Uint8Array> }
/** Parses a bitloop file into the IR. */
export function readBitloop(_bytes: Uint8Array, _options: ReadBitloopOptions = {}): Promise<Model> {
  return Promise.reject(new Error("not yet"));
}
