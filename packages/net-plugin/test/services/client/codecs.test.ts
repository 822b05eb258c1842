import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import {
  decodeAttachment,
  decodeLobbyConnectToken,
  encodeAttachment,
  fromBase64,
  toBase64,
} from "../../../src/services/client/attachments";
import { Backoff } from "../../../src/services/client/backoff";
import { isLobbyInfo, isPushEvent } from "../../../src/services/client/decode";
import { Comparison, LobbyFilter } from "../../../src/services/client/lobbyFilter";
import { errorFromResponse } from "../../../src/services/client/serviceError";

const LOBBY = {
  id: "l1",
  ownerId: "u1",
  access: "public",
  maxParticipants: 4,
  participants: [{ user: { id: "u1", displayName: "A" }, metadata: { team: "red" }, joinedAt: 1 }],
  metadata: { mode: "ctf", level: 3 },
  state: "open",
  createdAt: 0,
};

describe("attachments", () => {
  it("round-trips any msgpackr value through base64, including large ones", () => {
    const value = {
      a: 1,
      list: [1, "two", null],
      nested: { when: new Date(5), bytes: new Uint8Array(70_000).fill(7) },
    };
    expect(decodeAttachment(encodeAttachment(value))).toEqual({ ok: true, value });
    expect(toBase64(new Uint8Array([0, 255, 128]))).toBe("AP+A");
    expect(fromBase64("AP+A")).toEqual(new Uint8Array([0, 255, 128]));
  });

  it("reports bytes that are not base64 or not msgpack instead of throwing", () => {
    expect(fromBase64("%%%")).toBeUndefined();
    expect(decodeAttachment("%%%")).toEqual({ ok: false });
    const whole = fromBase64(encodeAttachment({ name: "a long enough string" }))!;
    expect(decodeAttachment(toBase64(whole.subarray(0, whole.length - 4)))).toEqual({ ok: false });
  });

  it("decodes a wire connect token into the Net layer's shape", () => {
    const wire = {
      token: toBase64(new Uint8Array([1, 2, 3])),
      clientToServerKey: toBase64(new Uint8Array(32).fill(1)),
      serverToClientKey: toBase64(new Uint8Array(32).fill(2)),
      clientId: "18446744073709551615",
      serverAddresses: ["127.0.0.1:4000"],
      expiresAt: 1_700_000_030_500,
    };
    const token = decodeLobbyConnectToken(wire);
    expect(token?.clientId).toBe(0xffff_ffff_ffff_ffffn);
    expect(token?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(token?.expiresAt).toBe(1_700_000_030);
    expect(decodeLobbyConnectToken({ ...wire, clientId: "18446744073709551616" })).toBeUndefined();
    expect(decodeLobbyConnectToken({ ...wire, clientId: "-1" })).toBeUndefined();
    expect(decodeLobbyConnectToken({ ...wire, token: "***" })).toBeUndefined();
  });
});

describe("decode (check on read)", () => {
  it("accepts well-formed lobbies and events and rejects malformed ones", () => {
    expect(isLobbyInfo(LOBBY)).toBe(true);
    expect(isLobbyInfo({ ...LOBBY, access: "secret" })).toBe(false);
    expect(isLobbyInfo({ ...LOBBY, metadata: { x: {} } })).toBe(false);
    expect(isLobbyInfo({ ...LOBBY, participants: [{}] })).toBe(false);
    expect(isPushEvent({ type: "lobby.changed", lobby: LOBBY })).toBe(true);
    expect(isPushEvent({ type: "lobby.left", lobbyId: "l1", userId: "u2" })).toBe(true);
    expect(isPushEvent({ type: "lobby.left", lobbyId: "l1", userId: "u2", lobby: 5 })).toBe(false);
    expect(isPushEvent({ type: "friend.request", from: { id: "u2" } })).toBe(false);
    expect(isPushEvent({ type: "nope" })).toBe(false);
    expect(isPushEvent(null)).toBe(false);
    expect(isPushEvent([])).toBe(false);
  });

  it("builds errors from error bodies without trusting them", () => {
    const known = errorFromResponse(
      409,
      { error: { code: "lobby_full", message: "full", field: "x" } },
      "POST /x",
    );
    expect(known).toMatchObject({ code: "lobby_full", message: "full", status: 409, field: "x" });
    const unknown = errorFromResponse(429, { error: { code: "made_up", message: 5 } }, "POST /x");
    expect(unknown).toMatchObject({ code: "rate_limited", message: "POST /x answered HTTP 429" });
    expect(errorFromResponse(502, "<html>", "GET /y").code).toBe("internal");
  });
});

describe("LobbyFilter", () => {
  it("builds the wire filter with Traktor's names", () => {
    const filter = new LobbyFilter()
      .addComparison("mode", "ctf")
      .addComparison("level", 10, Comparison.LessEqual)
      .setSlots(2)
      .setCount(5);
    expect(filter.toWire()).toEqual({
      slots: 2,
      count: 5,
      comparisons: [
        { key: "mode", op: "eq", value: "ctf" },
        { key: "level", op: "le", value: 10 },
      ],
    });
  });

  it("throws at once on a bad key, value, operator or range", () => {
    expect(() => new LobbyFilter().addComparison("", 1)).toThrow(/key/);
    expect(() => new LobbyFilter().addComparison("k", Number.NaN)).toThrow(/finite/);
    expect(() => new LobbyFilter().addComparison("k", 1, "like" as never)).toThrow(/comparison/);
    expect(() => new LobbyFilter().setCount(1000).toWire()).toThrow(/count/);
    const full = new LobbyFilter();
    for (let i = 0; i < 16; i++) full.addComparison(`k${i}`, i);
    expect(() => full.addComparison("k16", 16)).toThrow(/at most 16/);
  });
});

describe("Backoff", () => {
  it("doubles up to the cap with bounded jitter, and resets", () => {
    const backoff = new Backoff({ minDelay: 0.25, maxDelay: 2, jitter: 0.25 }, createRng(3));
    const waits = Array.from({ length: 6 }, () => backoff.next());
    const bases = [0.25, 0.5, 1, 2, 2, 2];
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(bases[i]! * 0.75);
      expect(wait).toBeLessThanOrEqual(bases[i]! * 1.25);
    });
    expect(backoff.attempts).toBe(6);
    backoff.reset();
    expect(backoff.next()).toBeLessThanOrEqual(0.25 * 1.25);
  });

  it("is deterministic for a seed and rejects bad limits", () => {
    const a = new Backoff({ minDelay: 1, maxDelay: 8, jitter: 0.5 }, createRng(9));
    const b = new Backoff({ minDelay: 1, maxDelay: 8, jitter: 0.5 }, createRng(9));
    expect([a.next(), a.next(), a.next()]).toEqual([b.next(), b.next(), b.next()]);
    expect(() => new Backoff({ minDelay: 2, maxDelay: 1, jitter: 0 }, createRng(1))).toThrow(/minDelay/);
    expect(() => new Backoff({ minDelay: 1, maxDelay: 2, jitter: 2 }, createRng(1))).toThrow(/jitter/);
  });
});
