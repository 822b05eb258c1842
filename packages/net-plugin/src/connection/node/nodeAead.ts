/**
 * ChaCha20-Poly1305 through Node's OpenSSL binding: the same bytes as the portable default, about
 * twice as fast for game-sized packets. Pass it as `aead` to NetServer / NetClient on Node.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { PacketAead } from "../aead";

const TAG_BYTES = 16;

/** Node's native ChaCha20-Poly1305 as a {@link PacketAead}. */
export const nodeAead: PacketAead = {
  seal(key, nonce, aad, plaintext) {
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const out = new Uint8Array(plaintext.length + TAG_BYTES);
    out.set(cipher.update(plaintext));
    cipher.final();
    out.set(cipher.getAuthTag(), plaintext.length);
    return out;
  },
  open(key, nonce, aad, sealed) {
    if (sealed.length < TAG_BYTES) return undefined;
    const length = sealed.length - TAG_BYTES;
    try {
      const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad, { plaintextLength: length });
      decipher.setAuthTag(sealed.subarray(length));
      const plain = new Uint8Array(length);
      plain.set(decipher.update(sealed.subarray(0, length)));
      decipher.final();
      return plain;
    } catch {
      return undefined;
    }
  },
};
