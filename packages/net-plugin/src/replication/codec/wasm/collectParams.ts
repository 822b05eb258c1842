/**
 * The WebAssembly collect kernel's interface (encodeEmit.ts emits it, wasmEncode.ts and
 * collectBlocks.ts call it, the other encode emitters read its parameters and header): the scalar
 * parameters, the scratch segments whose byte addresses follow them, and the header segment's words.
 */

/** Scratch segments of the kernel, in parameter order after the scalar parameters. */
export const SEGMENTS = [
  "hdr",
  "hist",
  "rel",
  "sel",
  "resp",
  "exBy",
  "spawn",
  "update",
  "despawn",
  "changed",
  "cost",
  "pred",
  "zz",
  "colz",
  "stream",
  "colm",
] as const;
/** A scratch segment's name. */
export type Segment = (typeof SEGMENTS)[number];

/** The scalar parameters, before the segment addresses. */
export const COLLECT_PARAMS = [
  "cur",
  "base",
  "ref",
  "hasBase",
  "hw",
  "rn",
  "rd",
  "versioned",
  "hasRel",
  "hasEx",
  "exClient",
  "exMask",
  "hasRef",
  "lazyPred",
] as const;

/**
 * Header words: spawn, update, despawn, baseline and excluded counts, then one cursor per inline
 * field, then HEADER_SUMS: the spawns' summed cost, the respawn count, the stream's bits, the
 * groups the dense step coded (encodeDenseEmit.ts; read by tests).
 */
export const HEADER_COUNTS = 5;
/** Words after the cursors in the header segment (the third: the bitmap stream's bits). */
export const HEADER_SUMS = 4;
