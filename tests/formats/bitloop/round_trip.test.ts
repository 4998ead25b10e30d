import { describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { BITLOOP_HEADER_SIZE, dataOffsetOf, decodeHeader } from "../../../src/formats/bitloop/layout.ts";
import { readBitloop, readBitloopInfo } from "../../../src/formats/bitloop/read.ts";
import {
  type Graph as FbGraph,
  Model as FbModel,
  type Tensor as FbTensor,
} from "../../../src/formats/bitloop/schema/generated/bitloop_generated.ts";
import { DEFAULT_SIDECAR_NAME, writeBitloop } from "../../../src/formats/bitloop/write.ts";
import { emptyGraph, type Model } from "../../../src/graph/graph.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { allTensors, canonicalModel } from "./_canonical.ts";
import { sampleModel } from "./_sample_model.ts";

/** Every Tensor table in the file's FlatBuffers block, subgraphs included. */
function fbTensors(file: Uint8Array): FbTensor[] {
  const header = decodeHeader(file);
  const meta = file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + header.metaLength);
  const out: FbTensor[] = [];
  const walk = (g: FbGraph) => {
    for (let i = 0; i < g.initializersLength(); i++) out.push(g.initializers(i)!);
    for (let n = 0; n < g.nodesLength(); n++) {
      const node = g.nodes(n)!;
      for (let a = 0; a < node.attributesLength(); a++) {
        const attr = node.attributes(a)!;
        if (attr.t()) out.push(attr.t()!);
        if (attr.g()) walk(attr.g()!);
      }
    }
  };
  walk(FbModel.getRootAsModel(new flatbuffers.ByteBuffer(meta)).graph()!);
  return out;
}

/** A copy of `bytes` whose first byte sits at an odd address of a fresh buffer. */
function misaligned(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1), 1, bytes.length);
  out.set(bytes);
  return out;
}

describe("bitloop round trip", () => {
  test("IR → bitloop → IR is exact for every dtype, attribute kind, subgraph and symbolic dim", async () => {
    const model = sampleModel();
    const { model: bytes, sidecar } = await writeBitloop(model);
    expect(sidecar).toBeUndefined();
    const back = await readBitloop(bytes);
    expect(canonicalModel(back)).toEqual(canonicalModel(model));
  });

  test("writing is deterministic and writing the read-back model gives the same bytes", async () => {
    const a = (await writeBitloop(sampleModel())).model;
    const b = (await writeBitloop(sampleModel())).model;
    expect(Buffer.compare(a, b)).toBe(0);
    const again = (await writeBitloop(await readBitloop(a))).model;
    expect(Buffer.compare(again, a)).toBe(0);
  });

  test("every inline tensor starts at a 64-byte aligned file offset and is viewed in place", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const dataOffset = dataOffsetOf(decodeHeader(bytes).metaLength);
    expect(dataOffset % 64).toBe(0);
    const tables = fbTensors(bytes);
    expect(tables.length).toBeGreaterThan(20);
    for (const t of tables) expect(Number(t.offset()) % 64).toBe(0);
    const back = await readBitloop(bytes);
    const numeric = allTensors(back.graph).filter((t) => t.type !== "string");
    expect(numeric.length).toBeGreaterThan(20);
    for (const t of numeric) {
      const data = t.data as Float32Array;
      expect(data.buffer).toBe(bytes.buffer);
      expect((data.byteOffset - dataOffset) % 64).toBe(0);
      expect(data.byteOffset % 64).toBe(0);
    }
  });

  test("subgraph initializers and tensor attributes live in the data section too", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const header = decodeHeader(bytes);
    const back = await readBitloop(bytes);
    const nested = (back.graph.nodes[0]!.attributes["g"] as { value: typeof back.graph }).value;
    const w = nested.initializers.get("then_w")!.data as Float32Array;
    const start = dataOffsetOf(header.metaLength);
    expect(w.byteOffset).toBeGreaterThanOrEqual(start);
    expect(w.byteOffset + w.byteLength).toBeLessThanOrEqual(start + header.dataLength);
  });

  test("a misaligned Uint8Array view is read by copying, with the same result", async () => {
    const model = sampleModel();
    const { model: bytes } = await writeBitloop(model);
    const odd = misaligned(bytes);
    const back = await readBitloop(odd);
    expect(canonicalModel(back)).toEqual(canonicalModel(model));
    const f32 = back.graph.initializers.get("f32")!.data as Float32Array;
    expect(f32.buffer).not.toBe(odd.buffer);
    const u8 = back.graph.initializers.get("u8")!.data as Uint8Array;
    expect(u8.buffer).toBe(odd.buffer); // bytes need no alignment, so they stay views
  });

  test("copy: true gives tensors that share nothing with the file", async () => {
    const { model: bytes } = await writeBitloop(sampleModel());
    const back = await readBitloop(bytes, { copy: true });
    for (const t of allTensors(back.graph)) {
      if (t.type !== "string") expect((t.data as Uint8Array).buffer).not.toBe(bytes.buffer);
    }
  });

  test("external data: all tensor bytes go to the sidecar at 64-aligned offsets, and it round-trips", async () => {
    const model = sampleModel();
    const { model: bytes, sidecar } = await writeBitloop(model, {
      externalData: true,
      sidecarName: "m.bitloop.weight",
    });
    expect(sidecar).toBeDefined();
    const header = decodeHeader(bytes);
    expect(header.dataLength).toBe(0);
    expect(bytes.length).toBe(dataOffsetOf(header.metaLength));
    expect(header.sidecarLength).toBe(sidecar!.length);
    for (const t of fbTensors(bytes)) {
      if (t.dtype() !== 8) expect(t.location()).toBe(1);
      expect(Number(t.offset()) % 64).toBe(0);
    }
    const asked: string[] = [];
    const back = await readBitloop(bytes, {
      readSidecar: (name) => {
        asked.push(name);
        return Promise.resolve(sidecar!);
      },
    });
    expect(asked).toEqual(["m.bitloop.weight"]);
    expect(canonicalModel(back)).toEqual(canonicalModel(model));
    for (const t of allTensors(back.graph)) {
      if (t.type === "string") continue;
      const data = t.data as Uint8Array;
      expect(data.buffer).toBe(sidecar!.buffer);
      expect(data.byteOffset % 64).toBe(0);
    }
  });

  test("the default sidecar name is a bare file name and the inline layout matches the external one", async () => {
    const { model: bytes } = await writeBitloop(sampleModel(), { externalData: true });
    expect((await readBitloopInfo(bytes)).sidecarName).toBe(DEFAULT_SIDECAR_NAME);
    const inline = await writeBitloop(sampleModel());
    expect((await readBitloopInfo(inline.model)).sidecarName).toBeUndefined();
  });

  test("file metadata is stored and read back; createdAt only when asked", async () => {
    const sha = "ab".repeat(32);
    const created = new Date(Date.UTC(2026, 10, 27, 12, 0, 0));
    const { model: bytes } = await writeBitloop(sampleModel(), {
      metadata: { producer: "bitloop test", sourceSha256: sha, createdAt: created, extra: { bits: "4", "": "x" } },
    });
    const info = await readBitloopInfo(bytes);
    expect(info.fileInfo).toEqual({
      producer: "bitloop test",
      sourceSha256: sha,
      createdAt: "2026-11-27T12:00:00.000Z",
      extra: { bits: "4", "": "x" },
    });
    expect(info.header.major).toBe(1);
    const plain = await readBitloopInfo((await writeBitloop(sampleModel())).model);
    expect(plain.fileInfo).toEqual({ producer: "bitloop", sourceSha256: undefined, createdAt: undefined, extra: {} });
  });

  test("an empty model (no tensors, empty names) round-trips", async () => {
    const model: Model = {
      graph: emptyGraph(""),
      opsets: {},
      irVersion: 0,
      producer: { name: "", version: "" },
      metadata: {},
    };
    for (const externalData of [false, true]) {
      const { model: bytes, sidecar } = await writeBitloop(model, { externalData });
      const back = await readBitloop(bytes, { readSidecar: () => Promise.resolve(sidecar!) });
      expect(canonicalModel(back)).toEqual(canonicalModel(model));
    }
  });

  test("writeBitloop rejects what the format cannot hold, with a RangeError naming it", async () => {
    const bad = sampleModel();
    await expect(writeBitloop(bad, { sidecarName: "../m.weight", externalData: true })).rejects.toThrow(
      /bare file name/,
    );
    await expect(writeBitloop(bad, { metadata: { sourceSha256: "xyz" } })).rejects.toThrow(/64 hex digits/);
    bad.graph.inputs[0]!.shape = [1.5];
    await expect(writeBitloop(bad)).rejects.toThrow(/Value "x": dim 1.5 is not an integer/);
    const keyed = sampleModel();
    keyed.graph.valueInfo.set("other", { name: "mid", dtype: undefined, shape: undefined });
    await expect(writeBitloop(keyed)).rejects.toThrow(RangeError);
    let deep = emptyGraph("leaf");
    for (let i = 0; i < 40; i++) {
      const g = emptyGraph(`g${i}`);
      g.nodes.push({
        name: "",
        op: "If",
        domain: "",
        inputs: [],
        outputs: [],
        attributes: { b: { kind: "graph", value: deep } },
      });
      deep = g;
    }
    const nested: Model = { graph: deep, opsets: {}, irVersion: 8, producer: { name: "", version: "" }, metadata: {} };
    await expect(writeBitloop(nested)).rejects.toThrow(/nested deeper/);
  });

  test("a large tensor round-trips bit-exactly", async () => {
    const data = new Float32Array(1 << 18).map((_, i) => Math.sin(i) * 1e3);
    const model = sampleModel();
    model.graph.initializers.set("big", new Tensor("float32", data, [512, 512]));
    const back = await readBitloop((await writeBitloop(model)).model);
    expect(
      Buffer.compare(
        Buffer.from(
          (back.graph.initializers.get("big")!.data as Float32Array).buffer,
          (back.graph.initializers.get("big")!.data as Float32Array).byteOffset,
          data.byteLength,
        ),
        Buffer.from(data.buffer),
      ),
    ).toBe(0);
  });
});
