/**
 * The connection-packet byte examples of docs/PROTOCOL.md ("Connection test vectors") are test
 * vectors: every `conn-*` row is rebuilt here from the described fields and must match its bytes,
 * and every row must decode back to those fields.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PacketType } from "../../src/connection/constants";
import {
  readDenied,
  readDisconnectPayload,
  readKeepAlivePayload,
  writeDenied,
  writeDisconnectPayload,
  writeKeepAlivePayload,
} from "../../src/connection/handshakePackets";
import { nobleAead } from "../../src/connection/aead";
import { KeepAliveEcho } from "../../src/connection/keepAliveEcho";
import { nodeAead } from "../../src/connection/node/nodeAead";
import { PacketCipher } from "../../src/connection/packetCrypto";
import { loadSodiumAead } from "../../src/connection/sodiumAead";

const spec = readFileSync(new URL("../../../../docs/PROTOCOL.md", import.meta.url), "utf8");
const vectors = new Map<string, Uint8Array>();
for (const line of spec.split("\n")) {
  const match = /^\|\s*(conn-[a-z0-9-]+)\s*\|.*\|\s*`([0-9a-f ]+)`\s*\|\s*$/.exec(line);
  if (match)
    vectors.set(match[1] ?? "", new Uint8Array((match[2] ?? "").split(" ").map((h) => parseInt(h, 16))));
}
const vector = (name: string): Uint8Array => {
  const v = vectors.get(name);
  if (v === undefined) throw new Error(`docs/PROTOCOL.md has no connection vector row "${name}"`);
  return v;
};
const key = new Uint8Array(32).fill(1);
const sodiumAead = await loadSodiumAead();

describe("docs/PROTOCOL.md connection test vectors", () => {
  it("lists exactly the vectors checked here", () => {
    expect([...vectors.keys()].sort()).toEqual(
      [
        "conn-denied-full",
        "conn-denied-hash",
        "conn-disconnect",
        "conn-keepalive",
        "conn-keepalive-echo",
        "conn-payload",
      ].sort(),
    );
  });

  it.each([
    ["portable", nobleAead],
    ["node", nodeAead],
    ["libsodium", sodiumAead],
  ])(
    "keep-alive, payload and disconnect seal to the documented bytes and open back (%s AEAD)",
    (_name, aead) => {
      const cipher = new PacketCipher(0x1122334455667788n, aead);
      expect(cipher.seal(PacketType.keepAlive, 5, writeKeepAlivePayload(2, 8), key)).toEqual(
        vector("conn-keepalive"),
      );
      expect(cipher.seal(PacketType.payload, 7, new Uint8Array([0, 0, 0]), key)).toEqual(
        vector("conn-payload"),
      );
      expect(cipher.seal(PacketType.disconnect, 300, writeDisconnectPayload("kicked"), key)).toEqual(
        vector("conn-disconnect"),
      );
      const ka = cipher.open(vector("conn-keepalive"), key);
      expect(ka?.sequence).toBe(5);
      expect(readKeepAlivePayload(ka?.payload ?? new Uint8Array(0))).toEqual({
        clientIndex: 2,
        maxClients: 8,
      });
      const echo = new KeepAliveEcho();
      echo.receive(new Uint8Array(4), 0x0102, 10); // the peer's keep-alive 0x0102 arrived at t = 10 s
      expect(cipher.seal(PacketType.keepAlive, 9, echo.write(2, 8, 9, 10.0025), key)).toEqual(
        vector("conn-keepalive-echo"),
      );
      const kae = cipher.open(vector("conn-keepalive-echo"), key);
      expect(kae?.sequence).toBe(9);
      expect(readKeepAlivePayload(kae?.payload ?? new Uint8Array(0))).toEqual({
        clientIndex: 2,
        maxClients: 8,
      });
      // The peer sent keep-alive 0x0102 at t = 20 s; the echo arrives at 20.0525 after a 2.5 ms hold.
      const peer = new KeepAliveEcho();
      peer.write(0, 0, 0x0102, 20);
      expect(peer.receive(kae?.payload ?? new Uint8Array(0), 9, 20.0525)).toBeCloseTo(0.05, 9);
      const dc = cipher.open(vector("conn-disconnect"), key);
      expect(dc?.sequence).toBe(300);
      expect(readDisconnectPayload(dc?.payload ?? new Uint8Array(0))).toBe("kicked");
    },
  );

  it("denied packets match the documented bytes", () => {
    expect(writeDenied("protocolHashMismatch", { localHash: 0xaabbccdd, remoteHash: 0x11223344 })).toEqual(
      vector("conn-denied-hash"),
    );
    expect(writeDenied("serverFull")).toEqual(vector("conn-denied-full"));
    expect(readDenied(vector("conn-denied-hash"))?.detail).toEqual({
      localHash: 0x11223344,
      remoteHash: 0xaabbccdd,
    });
  });
});
