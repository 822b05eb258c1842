/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) from libsodium compiled to WebAssembly (libsodium-wrappers):
 * the same bytes as the other {@link PacketAead}s, runs in browsers and Node. Packets call
 * libsodium's C functions directly on a region of its heap reserved once (the wrappers' helpers
 * allocate, copy and free around every call, three times the cost for game-sized packets); a
 * packet that does not fit the region goes through the helpers. The module loads asynchronously,
 * hence the loader.
 */
import sodium from "libsodium-wrappers";
import { ViewCache } from "../protocol/viewCache";
import type { PacketAead } from "./aead";

const TAG_BYTES = 16;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
/** Associated data room (the packet layer uses 17 bytes). */
const AAD_ROOM = 32;
/** Message room: a whole reliability packet (1200 B) and then some; larger packets use the helpers. */
const MESSAGE_ROOM = 2048 + TAG_BYTES;
/**
 * Room in front of the input: a packet whose ciphertext runs to its end is copied whole (one
 * native `set`, no view), its header landing here — up to 15 bytes (prefix and sequence ≤ 8).
 */
const INPUT_ROOM = 16;

/** The parts of libsodium's Emscripten module used here (C API of crypto_aead_chacha20poly1305_ietf_*). */
interface SodiumModule {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  /** (c, clen_p, m, mlen_lo, mlen_hi, ad, adlen_lo, adlen_hi, nsec, npub, k) → 0 */
  _crypto_aead_chacha20poly1305_ietf_encrypt(...args: number[]): number;
  /** (m, mlen_p, nsec, c, clen_lo, clen_hi, ad, adlen_lo, adlen_hi, npub, k) → 0, or −1 if forged */
  _crypto_aead_chacha20poly1305_ietf_decrypt(...args: number[]): number;
}

/** Heap offsets of the reserved region. */
interface Region {
  lib: SodiumModule;
  key: number;
  nonce: number;
  aad: number;
  input: number;
  output: number;
}

function reserve(): Region | undefined {
  const lib = (sodium as unknown as { libsodium?: Partial<SodiumModule> }).libsodium;
  if (
    lib === undefined ||
    typeof lib._malloc !== "function" ||
    typeof lib._crypto_aead_chacha20poly1305_ietf_encrypt !== "function" ||
    typeof lib._crypto_aead_chacha20poly1305_ietf_decrypt !== "function"
  )
    return undefined;
  const module = lib as SodiumModule;
  const base = module._malloc(KEY_BYTES + NONCE_BYTES + AAD_ROOM + INPUT_ROOM + 2 * MESSAGE_ROOM);
  if (base === 0) return undefined;
  const key = base;
  const nonce = key + KEY_BYTES;
  const aad = nonce + NONCE_BYTES;
  const input = aad + AAD_ROOM + INPUT_ROOM;
  return { lib: module, key, nonce, aad, input, output: input + MESSAGE_ROOM };
}

/** Copies `src[from, from + length)` to `dst` at `to` (a loop: no subarray view per packet). */
function copy(src: Uint8Array, from: number, dst: Uint8Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i] as number;
}

function fits(aad: Uint8Array, bytes: number): boolean {
  return aad.length <= AAD_ROOM && bytes <= MESSAGE_ROOM;
}

/**
 * Copies key, nonce and aad into the region (loops: for 12–32 bytes a native `set` call costs
 * more than the copy); returns the (current) heap view. The key stays in the region until the
 * next call overwrites it — it is no more exposed there than in the JS heap that holds it for
 * the connection's life, and not zeroing it saves a call per packet.
 */
function load(r: Region, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array): Uint8Array {
  const heap = r.lib.HEAPU8; // re-read: a grown heap replaces the view
  copy(key, 0, heap, r.key, KEY_BYTES);
  copy(nonce, 0, heap, r.nonce, NONCE_BYTES);
  copy(aad, 0, heap, r.aad, aad.length);
  return heap;
}

function createSodiumAead(region: Region | undefined): PacketAead {
  const viaHelpers: PacketAead = {
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
        return undefined; // not authentic: the helper throws and returns nothing
      }
      if (output === undefined) return plain;
      output.set(plain);
      return output;
    },
  };
  if (region === undefined) return viaHelpers;
  const r = region;
  /** Encrypts `length` bytes already at `r.input` into `r.output`. */
  const encrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, length: number): void => {
    load(r, key, nonce, aad);
    r.lib._crypto_aead_chacha20poly1305_ietf_encrypt(
      r.output,
      0,
      r.input,
      length,
      0,
      r.aad,
      aad.length,
      0,
      0,
      r.nonce,
      r.key,
    );
  };
  /** Decrypts `length` sealed bytes at `r.input` into `r.output`; false if forged. */
  const decrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, length: number): boolean => {
    load(r, key, nonce, aad);
    const result = r.lib._crypto_aead_chacha20poly1305_ietf_decrypt(
      r.output,
      0,
      0,
      r.input,
      length,
      0,
      r.aad,
      aad.length,
      0,
      r.nonce,
      r.key,
    );
    return result === 0;
  };
  const usable = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, bytes: number): boolean =>
    fits(aad, bytes) && key.length === KEY_BYTES && nonce.length === NONCE_BYTES;
  /** Exact views of the output region by length (one native copy out, no view per packet). */
  let heap = r.lib.HEAPU8;
  let outputViews = new ViewCache(heap);
  const outputView = (length: number): Uint8Array => {
    if (r.lib.HEAPU8 !== heap) {
      heap = r.lib.HEAPU8; // the heap grew: views of the old memory are detached
      outputViews = new ViewCache(heap);
    }
    return outputViews.get(r.output, length);
  };
  /** Copies `src[from, from + length)` to the input region: natively when `src` ends there. */
  const toInput = (src: Uint8Array, from: number, length: number): void => {
    const h = r.lib.HEAPU8;
    if (from + length === src.length && from < INPUT_ROOM) h.set(src, r.input - from);
    else copy(src, from, h, r.input, length);
  };
  return {
    sealRange(key, nonce, aad, src, srcOffset, length, out, outOffset) {
      if (!usable(key, nonce, aad, length + TAG_BYTES)) {
        const sealed = viaHelpers.seal(key, nonce, aad, src.subarray(srcOffset, srcOffset + length));
        out.set(sealed, outOffset);
        return;
      }
      toInput(src, srcOffset, length);
      encrypt(key, nonce, aad, length);
      out.set(outputView(length + TAG_BYTES), outOffset);
    },
    openRange(key, nonce, aad, src, srcOffset, length, out, outOffset) {
      if (length < TAG_BYTES) return -1;
      if (!usable(key, nonce, aad, length)) {
        const plain = viaHelpers.open(key, nonce, aad, src.subarray(srcOffset, srcOffset + length));
        if (plain === undefined) return -1;
        out.set(plain, outOffset);
        return plain.length;
      }
      toInput(src, srcOffset, length);
      if (!decrypt(key, nonce, aad, length)) return -1; // forged: libsodium wrote no plaintext
      out.set(outputView(length - TAG_BYTES), outOffset);
      return length - TAG_BYTES;
    },
    seal(key, nonce, aad, plaintext, output) {
      const length = plaintext.length + TAG_BYTES;
      if (!fits(aad, length) || key.length !== KEY_BYTES || nonce.length !== NONCE_BYTES)
        return viaHelpers.seal(key, nonce, aad, plaintext, output);
      r.lib.HEAPU8.set(plaintext, r.input);
      encrypt(key, nonce, aad, plaintext.length);
      const out = output ?? new Uint8Array(length);
      out.set(outputView(length));
      return out;
    },
    open(key, nonce, aad, sealed, output) {
      if (sealed.length < TAG_BYTES) return undefined;
      if (!fits(aad, sealed.length) || key.length !== KEY_BYTES || nonce.length !== NONCE_BYTES)
        return viaHelpers.open(key, nonce, aad, sealed, output);
      r.lib.HEAPU8.set(sealed, r.input);
      if (!decrypt(key, nonce, aad, sealed.length)) return undefined; // forged: no plaintext written
      const length = sealed.length - TAG_BYTES;
      const out = output ?? new Uint8Array(length);
      out.set(outputView(length));
      return out;
    },
  };
}

let loaded: Promise<PacketAead> | undefined;

/** Loads libsodium's WebAssembly once and returns its ChaCha20-Poly1305 as a {@link PacketAead}. */
export function loadSodiumAead(): Promise<PacketAead> {
  loaded ??= sodium.ready.then(() => createSodiumAead(reserve()));
  return loaded;
}
