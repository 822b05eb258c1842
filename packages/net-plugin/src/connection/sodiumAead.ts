/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) from libsodium compiled to WebAssembly (libsodium-wrappers):
 * the same bytes as the other {@link PacketAead}s, runs in browsers and Node, and for game-sized
 * packets costs about half of Node's OpenSSL binding (whose per-call cipher setup dominates) and a
 * third of the pure-JS default. The WebAssembly module loads asynchronously, hence the loader.
 */
import sodium from "libsodium-wrappers";
import type { PacketAead } from "./aead";

const TAG_BYTES = 16;

/** The libsodium {@link PacketAead}; callable once {@link loadSodiumAead} resolved. */
const sodiumAead: PacketAead = {
  seal(key, nonce, aad, plaintext, output) {
    const sealed = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, aad, null, nonce, key);
    if (output === undefined) return sealed;
    output.set(sealed);
    return output;
  },
  open(key, nonce, aad, sealed, output) {
    if (sealed.length < TAG_BYTES) return undefined;
    let plain: Uint8Array;
    try {
      plain = sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, aad, nonce, key);
    } catch {
      return undefined; // not authentic: libsodium throws and returns nothing
    }
    if (output === undefined) return plain;
    output.set(plain);
    return output;
  },
};

/** Loads libsodium's WebAssembly once and returns its ChaCha20-Poly1305 as a {@link PacketAead}. */
export async function loadSodiumAead(): Promise<PacketAead> {
  await sodium.ready;
  return sodiumAead;
}
