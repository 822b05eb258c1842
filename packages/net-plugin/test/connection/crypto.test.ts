import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { nobleAead } from "../../src/connection/aead";
import { ChallengeTokens } from "../../src/connection/challengeToken";
import { nodeAead } from "../../src/connection/node/nodeAead";
import { ConnectionWire, PacketType } from "../../src/connection/constants";
import { encryptionOverhead, PacketCipher, sequenceByteCount } from "../../src/connection/packetCrypto";
import { ReplayCheck, ReplayProtection } from "../../src/connection/replayProtection";

const keyA = new Uint8Array(32).fill(1);
const keyB = new Uint8Array(32).fill(2);

describe("PacketCipher", () => {
  it("round-trips type, sequence and payload, with 1 + sequence bytes + 16 of overhead", () => {
    const cipher = new PacketCipher(77n);
    for (const sequence of [
      0,
      255,
      256,
      65_535,
      2 ** 24 - 1,
      2 ** 24,
      2 ** 32 - 1,
      2 ** 32 + 5,
      Number.MAX_SAFE_INTEGER,
    ]) {
      const payload = new Uint8Array([1, 2, 3, 4, 5]);
      const packet = cipher.seal(PacketType.payload, sequence, payload, keyA);
      expect(packet.length).toBe(payload.length + encryptionOverhead(sequence));
      expect(packet.length).toBe(5 + 1 + sequenceByteCount(sequence) + ConnectionWire.macBytes);
      const opened = cipher.open(packet, keyA);
      expect(opened?.type).toBe(PacketType.payload);
      expect(opened?.sequence).toBe(sequence);
      expect(opened?.payload).toEqual(payload);
    }
    expect([255, 256, 2 ** 24 - 1, 2 ** 24, 2 ** 32 - 1, 2 ** 32].map(sequenceByteCount)).toEqual([
      1, 2, 3, 4, 4, 5,
    ]);
  });

  it("rejects the other direction's key, another protocol id, and any flipped bit", () => {
    const cipher = new PacketCipher(77n);
    const packet = cipher.seal(PacketType.keepAlive, 9, new Uint8Array([9, 9, 9, 9]), keyA);
    expect(cipher.open(packet, keyB)).toBeUndefined();
    expect(new PacketCipher(78n).open(packet, keyA)).toBeUndefined();
    for (let i = 0; i < packet.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = packet.slice();
        copy[i] = (copy[i] ?? 0) ^ (1 << bit);
        expect(cipher.open(copy, keyA)).toBeUndefined();
      }
    }
  });

  it("never throws on random bytes", () => {
    const cipher = new PacketCipher(1n);
    const rng = createRng(5);
    for (let i = 0; i < 2000; i++) {
      const junk = new Uint8Array(rng.int(0, 64));
      for (let j = 0; j < junk.length; j++) junk[j] = rng.int(0, 255);
      expect(cipher.open(junk, keyA)).toBeUndefined();
    }
  });
});

describe("ReplayProtection", () => {
  it("accepts fresh sequences once, flags replays and stale ones", () => {
    const replay = new ReplayProtection(256);
    expect(replay.check(0)).toBe(ReplayCheck.fresh);
    replay.mark(0);
    expect(replay.check(0)).toBe(ReplayCheck.replayed);
    replay.mark(1000);
    expect(replay.check(1000)).toBe(ReplayCheck.replayed);
    expect(replay.check(999)).toBe(ReplayCheck.fresh);
    expect(replay.check(745)).toBe(ReplayCheck.fresh);
    expect(replay.check(744)).toBe(ReplayCheck.stale);
    expect(replay.check(0)).toBe(ReplayCheck.stale);
    replay.mark(999);
    expect(replay.check(999)).toBe(ReplayCheck.replayed);
    expect(replay.check(1001)).toBe(ReplayCheck.fresh);
    replay.reset();
    expect(replay.check(0)).toBe(ReplayCheck.fresh);
  });
});

describe("ChallengeTokens", () => {
  it("opens only tokens it issued, unaltered, with the issued sequence", () => {
    const tokens = new ChallengeTokens();
    const tag = new Uint8Array(16).fill(3);
    const issued = tokens.issue({ clientId: 12345n, tokenTag: tag });
    expect(issued.token.length).toBe(ConnectionWire.challengeTokenBytes);
    const opened = tokens.open(issued.sequence, issued.token);
    expect(opened?.clientId).toBe(12345n);
    expect(opened?.tokenTag).toEqual(tag);
    expect(tokens.open(issued.sequence + 1, issued.token)).toBeUndefined();
    expect(new ChallengeTokens().open(issued.sequence, issued.token)).toBeUndefined();
    const altered = issued.token.slice();
    altered[0] = (altered[0] ?? 0) ^ 1;
    expect(tokens.open(issued.sequence, altered)).toBeUndefined();
    expect(tokens.open(-1, issued.token)).toBeUndefined();
  });
});

describe("AEAD implementations", () => {
  it("the Node native AEAD and the portable one produce and accept the same bytes", () => {
    const portable = new PacketCipher(77n, nobleAead);
    const native = new PacketCipher(77n, nodeAead);
    const rng = createRng(8);
    for (let i = 0; i < 50; i++) {
      const payload = new Uint8Array(rng.int(0, 300)).map(() => rng.int(0, 255));
      const a = portable.seal(PacketType.payload, i * 1000, payload, keyA);
      const b = native.seal(PacketType.payload, i * 1000, payload, keyA);
      expect(b).toEqual(a);
      expect(native.open(a, keyA)?.payload).toEqual(payload);
      expect(portable.open(b, keyA)?.payload).toEqual(payload);
      const forged = b.slice();
      forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
      expect(native.open(forged, keyA)).toBeUndefined();
      expect(native.open(b, keyB)).toBeUndefined();
    }
    expect(nodeAead.open(keyA, new Uint8Array(12), new Uint8Array(0), new Uint8Array(5))).toBeUndefined();
  });
});
