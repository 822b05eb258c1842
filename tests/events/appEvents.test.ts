import { Type } from "@sinclair/typebox";
import { FixedTime, getResource, Stage, type AppWorld } from "@canopy/core";
import { defineEvent, Events, PrepareSend, ReceivePackets, type EventType } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { AppRig } from "../time-sync/appRig";

const Shot = defineEvent("Shot", Type.Object({ n: Type.Integer(), dir: Type.Number() }));
const Joined = defineEvent(
  "PlayerJoined",
  Type.Object({ playerId: Type.String(), playerName: Type.String() }),
);
const TYPES = [Shot, Joined] as unknown as EventType<never>[];
const LOSSY = { simulatedLatency: 25, jitter: 10, simulatedPacketLoss: 25 };

describe("events as ECS systems (server App + client Apps)", () => {
  it("events sent from a FixedUpdate system carry that tick and arrive in order, once, at 25 % loss; listeners run in the Receive set", () => {
    const rig = new AppRig({ clients: 2, uplink: LOSSY, downlink: LOSSY, seed: 5, types: TYPES });
    const shooter = rig.clients[0];
    if (shooter === undefined) throw new Error("no client");
    const sent: { n: number; tick: number }[] = [];
    let n = 0;
    shooter.app.addSystems(Stage.FixedUpdate, {
      name: "test.shoot",
      run: (world: AppWorld) => {
        if (n >= 200) return;
        const tick = getResource(world, FixedTime).tick;
        getResource(world, Events).sendEventToPrimary(Shot, { n, dir: n * 0.5 }, true);
        sent.push({ n: n++, tick });
      },
    });
    const got: { n: number; tick: number; from: number }[] = [];
    // Phase markers: listeners must run inside the frame, after ReceivePackets and before Send.
    let phase = "outside";
    rig.server.app.addSystems(Stage.PreUpdate, {
      name: "test.phase",
      in: ReceivePackets,
      run: () => {
        phase = "receive";
      },
    });
    rig.server.app.addSystems(Stage.PostUpdate, {
      name: "test.phaseEnd",
      in: PrepareSend,
      run: () => {
        phase = "outside";
      },
    });
    rig.server.events.addEventListener(Shot, (tick, from, e) => {
      expect(phase).toBe("receive");
      got.push({ n: e.n, tick, from });
    });
    rig.step(600);
    expect(sent.length).toBe(200);
    expect(got.map((g) => g.n)).toEqual(sent.map((s) => s.n));
    expect(got.map((g) => g.tick)).toEqual(sent.map((s) => s.tick));
    expect(got.every((g) => g.from === 0)).toBe(true);
    expect(rig.server.events.counters.eventsInvalid).toBe(0);
  });

  it("broadcastEvent from the server reaches every client; a rejected event is reported to its sender only", () => {
    const rig = new AppRig({ clients: 2, uplink: LOSSY, downlink: LOSSY, seed: 6, types: TYPES });
    const joined: string[][] = [[], []];
    rig.clients.forEach((c, i) =>
      c.events.addEventListener(Joined, (_t, from, e) => {
        expect(from).toBe(0);
        joined[i]?.push(e.playerName);
      }),
    );
    rig.server.events.setEventValidator(Shot, (_from, e) => (e.dir > 1 ? "dir out of range" : true));
    const rejected: string[][] = [[], []];
    rig.clients.forEach((c, i) =>
      c.events.onEventRejected((type, _t, reason) => rejected[i]?.push(`${type}: ${reason}`)),
    );
    expect(rig.server.events.broadcastEvent(Joined, { playerId: "p1", playerName: "John" }, true)).toBe(2);
    rig.clients[1]?.events.sendEventToPrimary(Shot, { n: 1, dir: 5 }, true);
    rig.clients[0]?.events.sendEventToPrimary(Shot, { n: 2, dir: 0.5 }, true);
    rig.step(240);
    expect(joined).toEqual([["John"], ["John"]]);
    expect(rejected).toEqual([[], ["Shot: dir out of range"]]);
    expect(rig.server.events.counters.eventsRejected).toBe(1);
    expect(rig.server.events.counters.eventsReceived).toBe(1);
  });
});

describe("event types in the protocol hash", () => {
  it("a client whose event types differ from the server's is refused with a readable reason", () => {
    const Other = defineEvent("Shot", Type.Object({ n: Type.Integer(), dir: Type.String() }));
    const rig = new AppRig({
      clients: 2,
      uplink: {},
      downlink: {},
      seed: 8,
      types: TYPES,
      clientTypes: (i) => (i === 1 ? ([Other, Joined] as unknown as EventType<never>[]) : TYPES),
    });
    rig.step(60);
    expect(rig.clients[0]?.client.state).toBe("connected");
    expect(rig.clients[1]?.client.state).toBe("disconnected");
    expect(rig.clients[1]?.client.disconnectReason).toBe("protocolHashMismatch");
  });
});
