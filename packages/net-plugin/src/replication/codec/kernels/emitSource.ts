/**
 * Source snippets of the generated bit writers (writeKernel.ts, encodeKernel.ts): WordWriter's
 * writeBits and writeExpGolomb inline on locals. The generated function keeps the writer `w`'s
 * state in `words`, `idx`, `acc`, `n` (0..31 bits pending) and a constant `per` (words one update
 * can take in short codes); it stores whole words itself and keeps room for `per` more words.
 */
import type { KernelField } from "./compileKernel";

/** Stores the writer's state back from the locals (before any call on `w`). */
export const SYNC_OUT = "w.wordIndex = idx; w.pending = acc; w.pendingBits = n;";
/** Takes the writer's state into the locals again (after a call on `w`). */
export const SYNC_IN = "words = w.reserve(per); idx = w.wordIndex; acc = w.pending; n = w.pendingBits;";
/** Makes room for `per` more words (at the start of an update, and after storing a bitmap word). */
export const ENSURE = "if (idx + per >= words.length) { w.wordIndex = idx; words = w.reserve(per); }";
/** Declares the locals from `w` (after `per`). */
export const TAKE = "let words = w.reserve(per), idx = w.wordIndex, acc = w.pending, n = w.pendingBits;";

/**
 * Appends `size` (1..31) bits `c` (< 2^size) to the local word, storing it when it fills. Branch
 * free (whether a word fills is a coin flip per code, a mispredicted branch each time): the word
 * is stored every time (there is room: `per`) and the index advances by 1 only when it filled.
 * The mask is `(sp << 31) >> 31`, not `-sp`: a negation of 0 is −0, and optimized code that never
 * saw one deoptimizes at the first (the writer's rarely used scan path did, and the re-optimized
 * kernel could stay slow).
 */
export function emitBits(c: string, size: string): string {
  return `{ const t = n + ${size}, lo = acc | (${c} << n), sp = t >>> 5, m = (sp << 31) >> 31;
          words[idx] = lo; idx += sp;
          // n = 0 never fills (size < 32), so the shift by 32 - n (a shift by 0 then) is masked off.
          acc = ((${c} >>> (32 - n)) & m) | (lo & ~m); n = t & 31; }`;
}

/** Appends the order-`k` Exp-Golomb code of `u` (an expression); long codes go through `w`. */
export function emitCode(u: string, k: string): string {
  return `{ const u = ${u}; const q = (u >>> ${k}) + 1; const nn = 31 - Math.clz32(q); const pre = 2 * nn + 1; const size = pre + ${k};
      if (size >= 32) { ${SYNC_OUT} w.writeExpGolomb(u, ${k}); ${SYNC_IN} }
      else { const c = ((q - (1 << nn)) << (nn + 1)) | (1 << nn) | ((u & ((1 << ${k}) - 1)) << pre);
        ${emitBits("c", "size")} } }`;
}

/** Appends one bit (a boolean expression) to the local word. */
export function emitBit(v: string): string {
  return `if (${v}) acc |= 1 << n; if (++n === 32) { words[idx++] = acc; acc = 0; n = 0; ${ENSURE} }`;
}

/**
 * Words one update (or one column value with its exception) can take in short codes (id code or
 * bitmap bit, field flags, rotation and `full` values; generic fields and long codes write through `w` and
 * reserve again), plus slack.
 */
export function wordsPerUpdate(fields: readonly KernelField[]): number {
  let bits = 32 + fields.length;
  // A rotation's flag and full value (other inline values are in the columns: 2 codes at a time).
  for (const f of fields) if (f.quat && !f.generic) bits += 1 + f.slotBits.reduce((a, b) => a + b, 0);
  // A Transform's rotation flag and full value (its slots 3..6).
  for (const f of fields) if (f.transform) bits += 1 + f.slotBits.slice(3).reduce((a, b) => a + b, 0);
  // A `full` field's value (in the update's own bits).
  for (const f of fields) if (f.full) bits += f.slotBits.reduce((a, b) => a + b, 0);
  bits = Math.max(bits, 2 * 64);
  return (bits >>> 5) + 3;
}
