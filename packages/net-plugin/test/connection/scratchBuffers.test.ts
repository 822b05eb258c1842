import { createRng } from "@canopy/core";
import { describe, expect, it, vi } from "vitest";
import { nobleAead, type PacketAead } from "../../src/connection/aead";
import { PacketType } from "../../src/connection/constants";
import { nodeAead } from "../../src/connection/node/nodeAead";
import { loadSodiumAead } from "../../src/connection/sodiumAead";
import { createNodeNetClient, createNodeNetServer } from "../../src/connection/node/nodeNet";
import { PacketCipher } from "../../src/connection/packetCrypto";
import { generateConnectToken } from "../../src/protocol/connectToken";
import { createLoopbackNetwork } from "../../src/transport/loopback";
import { KEY, PROTOCOL_ID } from "./harness";

const key = new Uint8Array(32).fill(4);
const nonce = new Uint8Array(12).fill(9);
const aad = new Uint8Array(17).fill(3);

const sodiumAead = await loadSodiumAead();

describe.each<[string, PacketAead]>([
  ["portable", nobleAead],
  ["node", nodeAead],
  ["libsodium", sodiumAead],
])("%s PacketAead with an output buffer", (_name, aead) => {
  it("writes the same bytes into the caller's buffer as it returns without one", () => {
    const rng = createRng(11);
    for (const size of [0, 1, 100, 1200]) {
      const plain = new Uint8Array(size).map(() => rng.int(0, 255));
      const fresh = aead.seal(key, nonce, aad, plain);
      const output = new Uint8Array(size + 16);
      expect(aead.seal(key, nonce, aad, plain, output)).toBe(output);
      expect(output).toEqual(fresh);
      const into = new Uint8Array(size);
      expect(aead.open(key, nonce, aad, fresh, into)).toBe(into);
      expect(into).toEqual(plain);
    }
  });

  it("returns undefined for a forged packet and leaves no plaintext in the output", () => {
    const plain = new Uint8Array(64).fill(0x5a);
    const forged = aead.seal(key, nonce, aad, plain);
    forged[3] = (forged[3] ?? 0) ^ 1;
    const into = new Uint8Array(64);
    expect(aead.open(key, nonce, aad, forged, into)).toBeUndefined();
    expect(into.every((b) => b === 0)).toBe(true);
  });
});

describe("PacketCipher scratch buffers", () => {
  it("sealReused gives the bytes of seal, in one reused buffer; seal returns fresh arrays", () => {
    const cipher = new PacketCipher(5n, nodeAead);
    const payload = new Uint8Array(100).fill(7);
    const a = cipher.sealReused(PacketType.payload, 1, payload, key);
    const aBytes = a.slice();
    const b = cipher.sealReused(PacketType.payload, 2, payload, key);
    expect(b.buffer).toBe(a.buffer); // the same scratch: no allocation per packet
    expect(aBytes).toEqual(new PacketCipher(5n, nobleAead).seal(PacketType.payload, 1, payload, key));
    const s1 = cipher.seal(PacketType.payload, 3, payload, key);
    const s2 = cipher.seal(PacketType.payload, 4, payload, key);
    expect(s1.buffer).not.toBe(s2.buffer);
    expect(cipher.open(s1, key)?.sequence).toBe(3);
  });

  it("opens into a reused buffer, and payloads larger than the scratch still work", () => {
    const cipher = new PacketCipher(5n, nobleAead);
    for (const size of [3, 1200, 5000]) {
      const payload = new Uint8Array(size).fill(size & 0xff);
      const opened = cipher.open(cipher.seal(PacketType.payload, size, payload, key), key);
      expect(opened?.payload).toEqual(payload);
    }
  });
});

describe("createNodeNetServer / createNodeNetClient", () => {
  it("connect and exchange messages sealed with libsodium by default; an explicit aead wins", async () => {
    const network = createLoopbackNetwork();
    const sealNode = vi.spyOn(sodiumAead as Required<PacketAead>, "sealRange");
    const sealNoble = vi.spyOn(nobleAead, "seal");
    expect("sealRange" in nobleAead).toBe(false); // so the explicit noble client goes through seal()
    try {
      const server = await createNodeNetServer(network.bind("loopback://server"), {
        protocolId: PROTOCOL_ID,
        privateKey: KEY,
      });
      const client = await createNodeNetClient(network.bind());
      client.connect(
        generateConnectToken(
          {
            protocolId: PROTOCOL_ID,
            clientId: 1,
            serverAddresses: ["loopback://server"],
            expireSeconds: 60,
            timeoutSeconds: 2,
          },
          KEY,
        ),
      );
      let now = 100;
      const step = () => {
        now += 1 / 60;
        server.update(now);
        server.receivePackets();
        client.update(now);
        client.receivePackets();
        client.sendPackets();
        server.sendPackets();
      };
      for (let i = 0; i < 10 && client.state !== "connected"; i++) step();
      expect(client.state).toBe("connected");
      client.send(0, new Uint8Array([1, 2, 3]));
      step();
      step();
      const got = [];
      for (let e = server.pollEvent(); e; e = server.pollEvent()) if (e.type === "message") got.push(e.data);
      expect(got).toEqual([new Uint8Array([1, 2, 3])]);
      expect(sealNode.mock.calls.length).toBeGreaterThanOrEqual(3); // challenge, keep-alive, payload
      expect(sealNoble).not.toHaveBeenCalled();

      const explicit = await createNodeNetClient(network.bind(), { aead: nobleAead });
      explicit.connect(
        generateConnectToken(
          {
            protocolId: PROTOCOL_ID,
            clientId: 2,
            serverAddresses: ["loopback://server"],
            expireSeconds: 60,
            timeoutSeconds: 2,
          },
          KEY,
        ),
      );
      for (let i = 0; i < 10 && explicit.state !== "connected"; i++) {
        step();
        explicit.update(now);
        explicit.receivePackets();
        explicit.sendPackets();
      }
      expect(explicit.state).toBe("connected");
      expect(sealNoble).toHaveBeenCalled(); // the explicit client's response
    } finally {
      sealNode.mockRestore();
      sealNoble.mockRestore();
    }
  });
});

describe("libsodium AEAD", () => {
  it("produces and accepts the bytes of the portable AEAD, and rejects forgeries and short input", () => {
    const portable = new PacketCipher(77n, nobleAead);
    const sodium = new PacketCipher(77n, sodiumAead);
    const rng = createRng(12);
    for (let i = 0; i < 50; i++) {
      const payload = new Uint8Array(rng.int(0, 1200)).map(() => rng.int(0, 255));
      const a = portable.seal(PacketType.payload, i * 977, payload, key);
      const b = sodium.seal(PacketType.payload, i * 977, payload, key);
      expect(b).toEqual(a);
      expect(sodium.open(a, key)?.payload).toEqual(payload);
      const forged = b.slice();
      const at = rng.int(0, forged.length - 1);
      forged[at] = (forged[at] ?? 0) ^ (1 << rng.int(0, 7));
      expect(sodium.open(forged, key)).toBeUndefined();
    }
    expect(sodiumAead.open(key, nonce, aad, new Uint8Array(5))).toBeUndefined();
    // Larger than libsodium's reserved heap region: the wrappers' helpers take over, same bytes.
    const big = new Uint8Array(5000).map((_, i) => i & 0xff);
    const sealedBig = sodiumAead.seal(key, nonce, aad, big);
    expect(sealedBig).toEqual(nobleAead.seal(key, nonce, aad, big));
    expect(sodiumAead.open(key, nonce, aad, sealedBig)).toEqual(big);
    sealedBig[100] = (sealedBig[100] ?? 0) ^ 4;
    expect(sodiumAead.open(key, nonce, aad, sealedBig)).toBeUndefined();
  });
});

describe("libsodium AEAD range methods", () => {
  it("seal and open ranges at offsets with the bytes of seal/open; a forgery gives −1 and writes nothing", () => {
    const rng = createRng(21);
    expect(typeof sodiumAead.sealRange).toBe("function");
    expect(typeof sodiumAead.openRange).toBe("function");
    const aead = sodiumAead as Required<PacketAead>;
    for (const size of [0, 1, 57, 1200, 3000]) {
      const payload = new Uint8Array(size).map(() => rng.int(0, 255));
      const src = new Uint8Array(size + 11);
      src.set(payload, 7);
      const out = new Uint8Array(size + 16 + 5);
      aead.sealRange(key, nonce, aad, src, 7, size, out, 5);
      const sealed = out.subarray(5, 5 + size + 16);
      expect(sealed).toEqual(nobleAead.seal(key, nonce, aad, payload));
      const back = new Uint8Array(size + 3).fill(0xee);
      expect(aead.openRange(key, nonce, aad, out, 5, size + 16, back, 3)).toBe(size);
      expect(back.subarray(3)).toEqual(payload);
      out[5 + (size >> 1)] = (out[5 + (size >> 1)] ?? 0) ^ 1;
      const untouched = new Uint8Array(size).fill(0xaa);
      expect(aead.openRange(key, nonce, aad, out, 5, size + 16, untouched, 0)).toBe(-1);
      expect(untouched.every((b) => b === 0xaa)).toBe(true);
    }
    expect(aead.openRange(key, nonce, aad, new Uint8Array(20), 10, 10, new Uint8Array(20), 0)).toBe(-1);
  });
});
