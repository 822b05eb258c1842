/**
 * One compile per distinct kernel module per process: generated kernels are the same bytes for
 * every registry of the same shape (the server's and each client's, a bench's fresh codecs), and
 * `new WebAssembly.Module` of a kernel costs milliseconds of main-thread time (V8 compiles it
 * eagerly). `compileCached(bytes)` returns the module compiled from equal bytes before, or
 * compiles it now; null when WebAssembly is missing or refuses the bytes (no SIMD, a CSP without
 * 'wasm-unsafe-eval', a size limit) — the caller then keeps its JS kernel (or tries other bytes).
 *
 * Refusals are not cached (the caller's fallback is cheap, and a refusal may be temporary, as a
 * test's stub). The cache belongs to the `WebAssembly.Module` constructor it compiled with: when
 * that global is replaced (a test's stub, an embedder's wrapper) the cache starts over, so a
 * replaced constructor is always called.
 */

/** Modules kept (oldest dropped first): far more distinct kernels than a process builds. */
const MAX_MODULES = 256;

interface Entry {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly module: WebAssembly.Module;
}

/** Entries by hash of their bytes (a list: distinct bytes may share a hash). */
const cache = new Map<number, Entry[]>();
let cached = 0;
let compiler: typeof WebAssembly.Module | undefined;

/** FNV-1a over the bytes and their length (a key, not a check: hits compare the bytes). */
function hashOf(bytes: Uint8Array): number {
  let h = 0x811c9dc5 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The module compiled from `bytes` (once per process for equal bytes), or null when WebAssembly
 * is missing here or refuses them. The bytes are copied: the caller may reuse its buffer.
 */
export function compileCached(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  if (typeof WebAssembly === "undefined") return null;
  if (compiler !== WebAssembly.Module) {
    cache.clear();
    cached = 0;
    compiler = WebAssembly.Module;
  }
  const hash = hashOf(bytes);
  const list = cache.get(hash);
  const hit = list?.find((e) => sameBytes(e.bytes, bytes));
  if (hit !== undefined) return hit.module;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch {
    return null; // refused: not cached (see the file comment)
  }
  if (cached >= MAX_MODULES) {
    const oldest = cache.keys().next().value as number;
    cached -= cache.get(oldest)?.length ?? 0;
    cache.delete(oldest);
  }
  const entry = { bytes: bytes.slice(), module };
  if (list === undefined) cache.set(hash, [entry]);
  else list.push(entry);
  cached++;
  return module;
}

/** Modules held by the cache now (tests). */
export function compiledModuleCount(): number {
  return cached;
}
