/**
 * The AEAD every connection packet is sealed with: ChaCha20-Poly1305 (RFC 8439), 12-byte nonce,
 * 16-byte tag. The default is @noble/ciphers (pure JS, synchronous, runs everywhere). Same bytes,
 * faster: `loadSodiumAead()` (libsodium in WebAssembly, browsers and Node; what
 * `createNodeNetServer` / `createNodeNetClient` pick) and `nodeAead` (Node's OpenSSL binding).
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

/**
 * ChaCha20-Poly1305 as the packet layer uses it. Implementations must produce identical bytes.
 * The optional `output` lets the caller reuse a scratch buffer instead of allocating per packet.
 */
export interface PacketAead {
  /**
   * Returns ciphertext ‖ 16-byte tag; written into `output` (exactly `plaintext.length + 16`
   * bytes, not overlapping `plaintext`) and returned when given.
   */
  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array;
  /**
   * Returns the plaintext, or `undefined` if `sealed` does not authenticate (never throws); the
   * plaintext goes into `output` (exactly `sealed.length − 16` bytes) when given.
   */
  open(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array | undefined;
  /**
   * Optional allocation-free form of `seal`: seals `src[srcOffset, srcOffset + length)` into
   * `out[outOffset, outOffset + length + 16)` (no overlap). Without it the packet layer makes views.
   */
  sealRange?(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    out: Uint8Array,
    outOffset: number,
  ): void;
  /**
   * Optional allocation-free form of `open`: opens `src[srcOffset, srcOffset + length)`
   * (ciphertext ‖ tag) into `out` at `outOffset`; returns the plaintext length, or −1 if it does
   * not authenticate (never throws, and writes nothing then).
   */
  openRange?(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    out: Uint8Array,
    outOffset: number,
  ): number;
}

/** The portable default (@noble/ciphers). */
export const nobleAead: PacketAead = {
  seal: (key, nonce, aad, plaintext, output) => chacha20poly1305(key, nonce, aad).encrypt(plaintext, output),
  open(key, nonce, aad, sealed, output) {
    if (sealed.length < 16) return undefined;
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(sealed, output);
    } catch {
      return undefined;
    }
  },
};
