import { describe, expect, it } from "vitest";
import { ConnectionWire, PacketType } from "../../src/connection/constants";
import {
  describeDisconnect,
  DisconnectReason,
  disconnectReasonFromCode,
} from "../../src/connection/disconnectReasons";
import {
  readChallengePayload,
  readDenied,
  readDisconnectPayload,
  readKeepAlivePayload,
  readRequest,
  writeChallengePayload,
  writeDenied,
  writeDisconnectPayload,
  writeKeepAlivePayload,
  writeRequest,
} from "../../src/connection/handshakePackets";
import { generateConnectToken, readConnectToken } from "../../src/protocol/connectToken";

const key = new Uint8Array(32).fill(4);

describe("handshake packets", () => {
  it("requests are exactly requestBytes and round-trip", () => {
    const issued = generateConnectToken(
      {
        protocolId: 5n,
        clientId: 1n,
        serverAddresses: ["loopback://s"],
        expireSeconds: 10,
        timeoutSeconds: 5,
      },
      key,
    );
    const token = readConnectToken(issued.bytes);
    if (!token) throw new Error("token did not parse");
    const packet = writeRequest(token, 3, 0xdeadbeef);
    expect(packet.length).toBe(ConnectionWire.requestBytes);
    expect(packet[0]).toBe(PacketType.request);
    const request = readRequest(packet);
    expect(request?.protocolId).toBe(5n);
    expect(request?.expiresAt).toBe(token.expiresAt);
    expect(request?.protocolVersion).toBe(3);
    expect(request?.protocolHash).toBe(0xdeadbeef);
    expect(request?.privateToken).toEqual(token.privateToken);
    expect(readRequest(packet.subarray(0, packet.length - 1))).toBeUndefined();
    const wrongVersion = packet.slice();
    wrongVersion[3] = 0;
    expect(readRequest(wrongVersion)).toBeUndefined();
  });

  it("every server reply before a connection is smaller than the request (no amplification)", () => {
    const encryptedOverhead = 1 + 8 + ConnectionWire.macBytes;
    for (const size of [
      ConnectionWire.deniedBytes,
      ConnectionWire.challengePayloadBytes + encryptedOverhead,
      ConnectionWire.keepAlivePayloadBytes + encryptedOverhead,
    ]) {
      expect(size).toBeLessThan(ConnectionWire.requestBytes / 10);
    }
  });

  it("denied packets carry both hashes and versions, seen from the client's side", () => {
    const hash = readDenied(writeDenied("protocolHashMismatch", { localHash: 0xaaaa, remoteHash: 0xbbbb }));
    expect(hash).toEqual({
      reason: "protocolHashMismatch",
      detail: { localHash: 0xbbbb, remoteHash: 0xaaaa },
    });
    const version = readDenied(writeDenied("versionMismatch", { localVersion: 2, remoteVersion: 1 }));
    expect(version?.detail).toEqual({ localVersion: 1, remoteVersion: 2 });
    expect(readDenied(writeDenied("serverFull"))?.reason).toBe("serverFull");
    const unknown = writeDenied("serverFull");
    unknown[1] = 200;
    expect(readDenied(unknown)).toBeUndefined();
  });

  it("small payloads round-trip and reject bad sizes", () => {
    const token = new Uint8Array(48).fill(7);
    expect(readChallengePayload(writeChallengePayload(99, token))).toEqual({ sequence: 99, token });
    expect(readChallengePayload(new Uint8Array(10))).toBeUndefined();
    expect(readKeepAlivePayload(writeKeepAlivePayload(3, 8))).toEqual({ clientIndex: 3, maxClients: 8 });
    expect(readKeepAlivePayload(writeKeepAlivePayload(9, 8))).toBeUndefined();
    expect(readDisconnectPayload(writeDisconnectPayload("kicked"))).toBe("kicked");
    expect(readDisconnectPayload(new Uint8Array([250]))).toBe("disconnected");
    expect(readDisconnectPayload(new Uint8Array(0))).toBeUndefined();
  });
});

describe("disconnect reasons", () => {
  it("have unique codes and readable messages naming both hashes", () => {
    const codes = Object.values(DisconnectReason).map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, reason] of Object.entries(DisconnectReason)) {
      expect(disconnectReasonFromCode(reason.code)).toBe(name);
    }
    const text = describeDisconnect("protocolHashMismatch", { localHash: 0x1234, remoteHash: 0xabcdef01 });
    expect(text).toContain("0x00001234");
    expect(text).toContain("0xabcdef01");
    expect(describeDisconnect("versionMismatch", { localVersion: 1, remoteVersion: 2 })).toMatch(
      /version 1.*2/,
    );
  });
});
