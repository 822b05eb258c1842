/**
 * The protocol hash (STYLE.md habit 8): both sides feed it everything that must match for their
 * bytes to mean the same thing — wire version, channel layout, registered templates and events —
 * and the handshake compares the digests. A mismatch is its own readable disconnect reason instead
 * of garbled state later. The hash is 32-bit FNV-1a over `kind NUL descriptor NUL` entries, so it
 * depends on the order of `add` calls.
 */
import { Protocol } from "./constants";
import { utf8Encoder } from "./scratch";

/** Accumulates protocol descriptors into a 32-bit digest. */
export interface ProtocolHashBuilder {
  /** Adds one descriptor, e.g. `.add("channel", "0:reliable-ordered")` or `.add("version", 1)`. */
  add(kind: string, descriptor: string | number): ProtocolHashBuilder;
  /** The 32-bit digest of everything added so far (unsigned). */
  digest(): number;
}

const FNV_PRIME = 0x01000193;

function mix(hash: number, text: string): number {
  let h = hash;
  const bytes = utf8Encoder.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME) >>> 0;
  }
  // NUL separator so ("ab","c") and ("a","bc") differ.
  return Math.imul(h, FNV_PRIME) >>> 0;
}

/** Starts a protocol hash seeded with the wire-format version. */
export function createProtocolHash(): ProtocolHashBuilder {
  let hash: number = Protocol.hashSeed;
  const builder: ProtocolHashBuilder = {
    add(kind, descriptor) {
      hash = mix(mix(hash, kind), typeof descriptor === "number" ? `#${descriptor}` : descriptor);
      return builder;
    },
    digest: () => hash,
  };
  builder.add("protocol-version", Protocol.version);
  return builder;
}
