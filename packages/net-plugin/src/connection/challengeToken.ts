/**
 * Challenge tokens (netcode.io): on a valid request the server sends the client a token sealed
 * with a key only the server knows; the client must echo it from the same address before it gets
 * a slot. A spoofed source never receives the challenge, so it can never complete a handshake, and
 * the challenge packet is far smaller than the request that caused it (no amplification).
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { ConnectionWire } from "./constants";

/** What a challenge token proves: which client, answering which connect token. */
export interface ChallengeContents {
  clientId: bigint;
  /** The connect token's tag (last 16 bytes of its sealed private part). */
  tokenTag: Uint8Array;
}

const PLAIN_BYTES = ConnectionWire.challengeTokenBytes - ConnectionWire.macBytes;
const TWO_32 = 4294967296;

/** Issues and opens challenge tokens under a random per-server key. */
export class ChallengeTokens {
  private readonly key: Uint8Array;
  private sequence = 0;
  private readonly nonce = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonce.buffer);

  constructor(key: Uint8Array = randomBytes(32)) {
    if (key.length !== 32) throw new RangeError(`ChallengeTokens key must be 32 bytes, got ${key.length}.`);
    this.key = key;
  }

  /** Seals a token for `contents`; returns its sequence (the nonce) and the 48 sealed bytes. */
  issue(contents: ChallengeContents): { sequence: number; token: Uint8Array } {
    const sequence = this.sequence++;
    const plain = new Uint8Array(PLAIN_BYTES);
    new DataView(plain.buffer).setBigUint64(0, contents.clientId, true);
    plain.set(contents.tokenTag.subarray(0, 16), 8);
    this.setNonce(sequence);
    return { sequence, token: chacha20poly1305(this.key, this.nonce, undefined).encrypt(plain) };
  }

  /** Opens an echoed token; `undefined` if it was not issued by this server or was altered. */
  open(sequence: number, token: Uint8Array): ChallengeContents | undefined {
    if (token.length !== ConnectionWire.challengeTokenBytes) return undefined;
    if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence >= this.sequence) return undefined;
    this.setNonce(sequence);
    let plain: Uint8Array;
    try {
      plain = chacha20poly1305(this.key, this.nonce, undefined).decrypt(token);
    } catch {
      return undefined;
    }
    return {
      clientId: new DataView(plain.buffer, plain.byteOffset).getBigUint64(0, true),
      tokenTag: plain.slice(8, 24),
    };
  }

  private setNonce(sequence: number): void {
    this.nonceView.setUint32(4, sequence % TWO_32, true);
    this.nonceView.setUint32(8, Math.floor(sequence / TWO_32), true);
  }
}
