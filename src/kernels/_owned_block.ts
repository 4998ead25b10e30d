// A block of kernel memory owned by a JS handle: freed by dispose(), or by the finalizer if forgotten.
import type { KernelModule } from "./kernel_module.ts";

const registry = new FinalizationRegistry<{ module: KernelModule; ptr: number }>(({ module, ptr }) => {
  try {
    module.heap.free(ptr);
  } catch {
    // already freed
  }
});

/** Base of the packed-weight handles: one heap block, freed once. */
export class OwnedBlock {
  /** The module whose memory holds the block. */
  readonly module: KernelModule;
  readonly #ptr: number;
  /** Size of the block in bytes. */
  readonly bytes: number;
  #disposed = false;

  constructor(module: KernelModule, bytes: number) {
    this.module = module;
    this.bytes = bytes;
    this.#ptr = module.heap.alloc(bytes);
    registry.register(this, { module, ptr: this.#ptr }, this);
  }

  /** Offset of the block; throws TypeError after dispose(). */
  get ptr(): number {
    if (this.#disposed) throw new TypeError(`${this.constructor.name} was disposed and cannot be used`);
    return this.#ptr;
  }

  /** Frees the block (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    registry.unregister(this);
    this.module.heap.free(this.#ptr);
  }

  /** Same as dispose(), for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Throws TypeError unless the handle lives in `module`. */
  assertOwner(module: KernelModule, what: string): void {
    if (module !== this.module) {
      throw new TypeError(`${what} belongs to another kernel instance (${this.module.variant}); pack it again`);
    }
  }
}
