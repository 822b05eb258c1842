/**
 * ChaCha20-Poly1305 through Node's OpenSSL binding: the same bytes as the portable default, about
 * 1.5× as fast for game-sized packets (per-call cipher setup dominates; libsodium's WebAssembly
 * build, `loadSodiumAead`, is faster still). Pass it as `aead` to NetServer / NetClient on Node.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { PacketAead } from "../aead";

const TAG_BYTES = 16;
/** Per-call options, shared (OpenSSL reads them; nothing keeps them). */
const CIPHER_OPTIONS = { authTagLength: TAG_BYTES } as const;

/** Node's native ChaCha20-Poly1305 as a {@link PacketAead}. */
export const nodeAead: PacketAead = {
  seal(key, nonce, aad, plaintext, output) {
    const length = plaintext.length;
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, CIPHER_OPTIONS);
    cipher.setAAD(aad, { plaintextLength: length });
    const out = output ?? new Uint8Array(length + TAG_BYTES);
    out.set(cipher.update(plaintext));
    cipher.final();
    out.set(cipher.getAuthTag(), length);
    return out;
  },
  open(key, nonce, aad, sealed, output) {
    if (sealed.length < TAG_BYTES) return undefined;
    const length = sealed.length - TAG_BYTES;
    try {
      const decipher = createDecipheriv("chacha20-poly1305", key, nonce, CIPHER_OPTIONS);
      decipher.setAAD(aad, { plaintextLength: length });
      decipher.setAuthTag(sealed.subarray(length));
      const plain = decipher.update(sealed.subarray(0, length));
      // final() authenticates; nothing is written to `output` before the tag checked out.
      decipher.final();
      const out = output ?? new Uint8Array(length);
      out.set(plain);
      return out;
    } catch {
      return undefined;
    }
  },
};
