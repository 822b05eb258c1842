import { describeDisconnect, LinkPresets, type NetClient } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { Stepper } from "./stepper";

/** Connects one client with `token` and returns its final disconnect event, or "connected". */
function outcome(s: Stepper, client: NetClient): string {
  s.stepUntil(() => client.state === "connected" || client.state === "disconnected", 900);
  return client.state === "connected" ? "connected" : (client.disconnectReason ?? "none");
}

describe("handshake over a 60 ms, 1 % loss link", () => {
  const link = LinkPresets.BROADBAND_60MS_1PCT;

  it("succeeds and both sides see the connection", () => {
    const s = new Stepper({ maxClients: 8 }, link, 11);
    const client = s.addClient();
    client.connect(s.token({ userData: new Uint8Array([7, 7]) }));
    expect(outcome(s, client)).toBe("connected");
    s.step(10);
    expect(s.events(client)[0]).toMatchObject({ type: "connected", clientIndex: 0, maxClients: 8 });
    expect(s.serverEvents[0]).toMatchObject({
      type: "connected",
      client: 0,
      clientId: 1n,
      userData: new Uint8Array([7, 7]),
    });
  });

  it("denies an expired token as tokenExpired", () => {
    const s = new Stepper({ unixTime: () => Date.now() / 1000 + 120 }, link, 12);
    const client = s.addClient();
    client.connect(s.token({ expireSeconds: 30 }));
    expect(outcome(s, client)).toBe("tokenExpired");
    expect(s.server.stats().handshakesDenied).toBeGreaterThan(0);
  });

  it("notices a token that expires on the client before any reply", () => {
    const s = new Stepper({}, link, 13);
    const client = s.addClient({ unixTime: () => Date.now() / 1000 + 120 });
    client.connect(s.token({ expireSeconds: 30 }));
    expect(outcome(s, client)).toBe("tokenExpired");
  });

  it("denies a token sealed with another key as tokenInvalid", () => {
    const s = new Stepper({}, link, 14);
    const client = s.addClient();
    client.connect(s.token({}, new Uint8Array(32).fill(1)));
    expect(outcome(s, client)).toBe("tokenInvalid");
  });

  it("denies a replayed token from another address as tokenReplayed", () => {
    const s = new Stepper({}, link, 15);
    const token = s.token();
    const first = s.addClient();
    first.connect(token);
    expect(outcome(s, first)).toBe("connected");
    const thief = s.addClient();
    thief.connect(token.bytes.slice());
    expect(outcome(s, thief)).toBe("tokenReplayed");
    expect(first.state).toBe("connected");
  });

  it("denies a different protocol version as versionMismatch naming both versions", () => {
    const s = new Stepper({ protocolVersion: 3 }, link, 16);
    const client = s.addClient({ protocolVersion: 2 });
    client.connect(s.token());
    expect(outcome(s, client)).toBe("versionMismatch");
    const event = s.events(client).at(-1);
    expect(event?.type === "disconnected" && event.message).toMatch(/version 2, the peer 3/);
  });

  it("denies a different protocol hash as protocolHashMismatch naming both hashes", () => {
    const s = new Stepper({ protocolHash: 0x11112222 }, link, 17);
    const client = s.addClient({ protocolHash: 0x33334444 });
    client.connect(s.token());
    expect(outcome(s, client)).toBe("protocolHashMismatch");
    const event = s.events(client).at(-1);
    const message = event?.type === "disconnected" ? event.message : "";
    expect(message).toContain("0x33334444");
    expect(message).toContain("0x11112222");
    expect(message).toBe(
      describeDisconnect("protocolHashMismatch", { localHash: 0x33334444, remoteHash: 0x11112222 }),
    );
  });

  it("denies the client past maxClients as serverFull", () => {
    const s = new Stepper({ maxClients: 2 }, link, 18);
    const a = s.addClient();
    const b = s.addClient();
    a.connect(s.token());
    b.connect(s.token());
    s.stepUntil(() => a.state === "connected" && b.state === "connected");
    const c = s.addClient();
    c.connect(s.token());
    expect(outcome(s, c)).toBe("serverFull");
    expect(s.server.connectedClients).toBe(2);
  });

  it("denies a token for another server as wrongServer", () => {
    const s = new Stepper({ publicAddresses: ["udp://203.0.113.9:4000"] }, link, 19);
    const client = s.addClient();
    client.connect(s.token());
    expect(outcome(s, client)).toBe("wrongServer");
  });

  it("times out when no server answers, after trying every address in the token", () => {
    const s = new Stepper({}, link, 20);
    const client = s.addClient();
    client.connect(
      s.token({ serverAddresses: ["loopback://nobody", "loopback://nobody-either"], timeoutSeconds: 1 }),
    );
    s.step(70);
    expect(client.serverAddress).toBe("loopback://nobody-either");
    expect(outcome(s, client)).toBe("handshakeTimeout");
  });

  it("falls through to the next server in the token", () => {
    const s = new Stepper({}, link, 21);
    const client = s.addClient();
    client.connect(s.token({ serverAddresses: ["loopback://down", "loopback://server"], timeoutSeconds: 1 }));
    expect(outcome(s, client)).toBe("connected");
  });
});
