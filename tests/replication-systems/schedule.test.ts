/**
 * The NetPlugin's systems run in the order docs/ARCHITECTURE.md "Systems per set, in order"
 * documents, on the server and on a client (with time sync and events assembled).
 */
import { Stage, type App } from "@canopy/core";
import { defineEvent, EventRegistry } from "@canopy/net-plugin";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { makeGame } from "./game";

const Ping = defineEvent("Ping", Type.Object({}));

function setup(app: App): StepperSetup {
  const events = new EventRegistry();
  events.addEventType(Ping);
  return { registry: makeGame(app).registry, events };
}

describe("systems per set", () => {
  it("run in the documented order", async () => {
    await using s = await createStepper({ clients: 1, seed: 1201, setup });
    expect(s.server.schedule(Stage.PreUpdate).order()).toEqual([
      "server.receivePackets",
      "server.handleConnections",
      "server.receiveResyncs",
      "server.receiveOwnedState",
      "answerTimeSyncPings",
      "dispatchEvents",
    ]);
    expect(s.server.schedule(Stage.PostUpdate).order()).toEqual([
      "server.prepareSnapshots",
      "server.sendSnapshots",
      "anchorServerTick",
      "flushEvents",
      "server.sendPackets",
    ]);
    const client = s.clients[0]!;
    expect(client.schedule(Stage.PreUpdate).order()).toEqual([
      "client.receivePackets",
      "client.handleConnection",
      "client.receiveSnapshots",
      "client.applySnapshots",
      "receiveTimeSyncPongs",
      "dispatchEvents",
    ]);
    expect(client.schedule(Stage.PostUpdate).order()).toEqual([
      "client.sendOwnedState",
      "sendTimeSyncPings",
      "flushEvents",
      "client.sendPackets",
    ]);
  });
});
