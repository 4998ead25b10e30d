/**
 * The JS-side allocator for a kernel module's linear memory (STYLE.md rule 15: JS allocates and frees;
 * the Rust side has no allocator). First fit over an address-ordered free list with coalescing; every
 * block starts on a 64-byte boundary; memory grows by `memory.grow` when nothing fits. Growing detaches
 * old `ArrayBuffer` views, so callers take views ({@link WasmHeap.f32} and friends) after allocating.
 * @module
 */

const ALIGN = 64;
const PAGE = 65536;

/** Thrown when memory cannot grow to satisfy an allocation (the 4 GiB wasm32 limit or the engine's). */
export class WasmOutOfMemoryError extends RangeError {
  /** Bytes requested. */
  readonly bytes: number;

  constructor(bytes: number, options?: { cause?: unknown }) {
    super(`Kernel memory: cannot allocate ${bytes} bytes (memory cannot grow further)`, options);
    this.name = "WasmOutOfMemoryError";
    this.bytes = bytes;
  }
}

/**
 * Allocator over one `WebAssembly.Memory`, starting at `base` (the module's `__heap_base`).
 *
 * @example
 * ```ts
 * const heap = new WasmHeap(new WebAssembly.Memory({ initial: 1 }), 1024);
 * const p = heap.alloc(100);
 * heap.f32(p, 25).fill(1);
 * heap.free(p);
 * if (heap.allocatedBytes !== 0) throw new Error("leak");
 * ```
 */
export class WasmHeap {
  readonly #memory: WebAssembly.Memory;
  /** Free blocks as [start, size] pairs ordered by start. */
  #free: Array<[number, number]> = [];
  readonly #sizes = new Map<number, number>();
  #end: number;
  #allocated = 0;

  constructor(memory: WebAssembly.Memory, base: number) {
    this.#memory = memory;
    const start = Math.ceil(base / ALIGN) * ALIGN;
    this.#end = memory.buffer.byteLength;
    if (start < this.#end) this.#free.push([start, this.#end - start]);
  }

  /** Bytes currently handed out. */
  get allocatedBytes(): number {
    return this.#allocated;
  }

  /** The memory's current size in bytes. */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /** Allocates `bytes` (rounded up to 64) and returns the block's offset. Never returns 0. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`Kernel memory: bad allocation size ${bytes}`);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let index = this.#free.findIndex(([, s]) => s >= size);
    if (index < 0) {
      this.#grow(size);
      index = this.#free.findIndex(([, s]) => s >= size);
      if (index < 0) throw new WasmOutOfMemoryError(bytes);
    }
    const block = this.#free[index]!;
    const ptr = block[0];
    if (block[1] === size) this.#free.splice(index, 1);
    else {
      block[0] += size;
      block[1] -= size;
    }
    this.#sizes.set(ptr, size);
    this.#allocated += size;
    return ptr;
  }

  /** Returns a block to the heap. Freeing an unknown offset throws RangeError. */
  free(ptr: number): void {
    const size = this.#sizes.get(ptr);
    if (size === undefined) throw new RangeError(`Kernel memory: free(${ptr}) of a block that is not allocated`);
    this.#sizes.delete(ptr);
    this.#allocated -= size;
    this.#insertFree(ptr, size);
  }

  /** A Float32Array view of `length` floats at `ptr` (valid until the next allocation). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.#memory.buffer, ptr, length);
  }

  /** An Int32Array view of `length` ints at `ptr`. */
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.#memory.buffer, ptr, length);
  }

  /** A Uint32Array view of `length` ints at `ptr`. */
  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.#memory.buffer, ptr, length);
  }

  /** An Int8Array view of `length` bytes at `ptr`. */
  i8(ptr: number, length: number): Int8Array {
    return new Int8Array(this.#memory.buffer, ptr, length);
  }

  /** A Uint8Array view of `length` bytes at `ptr`. */
  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.#memory.buffer, ptr, length);
  }

  #grow(size: number): void {
    const last = this.#free.at(-1);
    const tailFree = last !== undefined && last[0] + last[1] === this.#end ? last[1] : 0;
    const need = size - tailFree;
    // Grow by at least 1/8 of the current size to keep the number of grows logarithmic.
    const pages = Math.max(Math.ceil(need / PAGE), Math.ceil(this.#end / PAGE / 8));
    try {
      this.#memory.grow(pages);
    } catch (cause) {
      try {
        this.#memory.grow(Math.ceil(need / PAGE));
      } catch {
        throw new WasmOutOfMemoryError(size, { cause });
      }
    }
    const start = this.#end;
    this.#end = this.#memory.buffer.byteLength;
    this.#insertFree(start, this.#end - start);
  }

  #insertFree(ptr: number, size: number): void {
    const list = this.#free;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]![0] < ptr) lo = mid + 1;
      else hi = mid;
    }
    const prev = list[lo - 1];
    const next = list[lo];
    if (prev !== undefined && prev[0] + prev[1] === ptr) {
      prev[1] += size;
      if (next !== undefined && prev[0] + prev[1] === next[0]) {
        prev[1] += next[1];
        list.splice(lo, 1);
      }
    } else if (next !== undefined && ptr + size === next[0]) {
      next[0] = ptr;
      next[1] += size;
    } else {
      list.splice(lo, 0, [ptr, size]);
    }
  }
}
