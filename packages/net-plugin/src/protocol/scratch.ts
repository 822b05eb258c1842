/**
 * Module-scoped scratch shared by the bit writer and reader (no allocation per float or string).
 */

/** Float32 view used to reinterpret a float's bits. */
export const float32Scratch = new Float32Array(1);
/** The same 4 bytes as an unsigned 32-bit integer. */
export const uint32Scratch = new Uint32Array(float32Scratch.buffer);
/** Shared UTF-8 encoder. */
export const utf8Encoder = new TextEncoder();
/** Shared strict UTF-8 decoder: malformed input throws, which the reader turns into `overflowed`. */
export const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** The empty byte array returned by failed reads. */
export const EMPTY_BYTES = new Uint8Array(0);

/**
 * Copies `src[srcOffset, srcOffset + length)` to `dst` at `dstOffset` without creating a view
 * (`dst.set(src.subarray(…))` allocates one per call); ranges are the caller's to check.
 */
export function copyBytes(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  length: number,
): void {
  if (src === dst) {
    dst.copyWithin(dstOffset, srcOffset, srcOffset + length);
    return;
  }
  if (srcOffset === 0 && length === src.length) {
    dst.set(src, dstOffset); // the whole source: a native copy, no view needed
    return;
  }
  for (let i = 0; i < length; i++) dst[dstOffset + i] = src[srcOffset + i] as number;
}
