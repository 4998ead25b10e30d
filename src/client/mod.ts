/**
 * The device-agent client: push models to edge boards, run, bench and evaluate them there.
 *
 * @example
 * ```ts
 * import { DeviceClient } from "./mod.ts";
 * const device = new DeviceClient("http://127.0.0.1:8080", { token: "secret" });
 * const info = await device.info();
 * console.log(info.arch, info.cpu.features.dotprod);
 * ```
 * @module
 */
export * from "./device_client.ts";
export * from "./device_error.ts";
export * from "./ndjson.ts";
export type * from "./protocol.ts";
export * from "./wire_tensors.ts";
