import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import {
  ConnectTokenConstants,
  decodeConnectToken,
  encodeConnectToken,
  generateConnectToken,
  openPrivateConnectToken,
  readConnectToken,
} from "../../src/protocol/connectToken";

const key = new Uint8Array(32).fill(7);
const request = {
  protocolId: 0x1234_5678_9abcn,
  clientId: 42n,
  serverAddresses: ["udp://127.0.0.1:40000", "ws://[::1]:8080/#"],
  expireSeconds: 30,
  timeoutSeconds: 5,
  userData: new Uint8Array([1, 2, 3]),
  nowSeconds: 1_700_000_000,
};

describe("connect tokens", () => {
  it("round-trips public and private parts", () => {
    const issued = generateConnectToken(request, key);
    expect(issued.bytes.length).toBe(ConnectTokenConstants.TOKEN_BYTES);
    expect(issued.expiresAt).toBe(1_700_000_030);
    const token = readConnectToken(issued.bytes);
    expect(token).toBeDefined();
    if (!token) return;
    expect(token.protocolId).toBe(request.protocolId);
    expect(token.serverAddresses).toEqual(request.serverAddresses);
    expect(token.timeoutSeconds).toBe(5);
    expect(token.clientToServerKey).toEqual(issued.clientToServerKey);
    expect(token.serverToClientKey).toEqual(issued.serverToClientKey);
    const priv = openPrivateConnectToken(
      token.privateToken,
      token.nonce,
      token.protocolId,
      token.expiresAt,
      key,
    );
    expect(priv).toBeDefined();
    expect(priv?.clientId).toBe(42n);
    expect(priv?.serverAddresses).toEqual(request.serverAddresses);
    expect(priv?.clientToServerKey).toEqual(issued.clientToServerKey);
    expect(priv?.serverToClientKey).toEqual(issued.serverToClientKey);
    expect(priv?.userData).toEqual(new Uint8Array([1, 2, 3]));
    expect(priv?.timeoutSeconds).toBe(5);
  });

  it("rejects the wrong key, a changed expiry or protocol id, and tampering", () => {
    const token = readConnectToken(generateConnectToken(request, key).bytes);
    if (!token) throw new Error("token did not parse");
    const other = new Uint8Array(32).fill(8);
    const open = (sealed = token.privateToken, pid = token.protocolId, exp = token.expiresAt, k = key) =>
      openPrivateConnectToken(sealed, token.nonce, pid, exp, k);
    expect(open()).toBeDefined();
    expect(open(undefined, undefined, undefined, other)).toBeUndefined();
    expect(open(undefined, undefined, token.expiresAt + 1000)).toBeUndefined();
    expect(open(undefined, token.protocolId + 1n)).toBeUndefined();
    const tampered = token.privateToken.slice();
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    expect(open(tampered)).toBeUndefined();
    expect(open(token.privateToken.subarray(0, 500))).toBeUndefined();
  });

  it("encodes to base64 and back for JSON", () => {
    const issued = generateConnectToken(request, key);
    const text = encodeConnectToken(issued);
    expect(typeof text).toBe("string");
    expect(decodeConnectToken(text)?.bytes).toEqual(issued.bytes);
    expect(decodeConnectToken("not base64!!")).toBeUndefined();
    expect(decodeConnectToken(btoa("short"))).toBeUndefined();
  });

  it("never throws on random or truncated bytes", () => {
    const issued = generateConnectToken(request, key);
    const rng = createRng(99);
    for (let i = 0; i < 200; i++) {
      const junk = issued.bytes.slice();
      junk[rng.int(0, junk.length - 1)] = rng.int(0, 255);
      junk[56 + ConnectTokenConstants.PRIVATE_BYTES + 4] = rng.int(0, 255);
      expect(() => readConnectToken(junk)).not.toThrow();
    }
    expect(readConnectToken(issued.bytes.subarray(0, 100))).toBeUndefined();
    expect(readConnectToken(new Uint8Array(2048))).toBeUndefined();
  });

  it("asserts on bad issuing input with a message naming the field", () => {
    expect(() => generateConnectToken(request, new Uint8Array(16))).toThrow(/privateKey/);
    expect(() => generateConnectToken({ ...request, clientId: -1 }, key)).toThrow(/clientId/);
    expect(() => generateConnectToken({ ...request, serverAddresses: [] }, key)).toThrow(/serverAddresses/);
    expect(() => generateConnectToken({ ...request, userData: new Uint8Array(300) }, key)).toThrow(
      /userData/,
    );
    expect(() => generateConnectToken({ ...request, serverAddresses: ["x".repeat(65)] }, key)).toThrow(
      /address/,
    );
  });

  it("gives every token fresh per-connection keys", () => {
    const a = generateConnectToken(request, key);
    const b = generateConnectToken(request, key);
    expect(a.clientToServerKey).not.toEqual(b.clientToServerKey);
    expect(a.bytes).not.toEqual(b.bytes);
  });
});
