/**
 * Client `receivePackets` (PreUpdate, ReceivePackets): advances the NetClient to the frame's
 * clock time, drains the transport, and moves the frame's connection events into the inbox;
 * messages off the snapshot channel go to the first router that takes them (time sync, events).
 */
import { getResource, Time, type AppWorld } from "@canopy/core";
import { SERVER_PEER } from "../../time-sync/peerLink";
import { route } from "../server/receivePackets";
import { ClientReplication } from "./clientReplication";

/** Drains the transport into the NetClient and this frame's inbox. */
export function receivePackets(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  s.inbox.length = 0;
  s.client.update(getResource(world, Time).now);
  s.client.receivePackets();
  for (let e = s.client.pollEvent(); e !== undefined; e = s.client.pollEvent()) {
    s.inbox.push(e);
    if (e.type === "message" && e.channel !== s.snapshotChannel) {
      const data = e.data;
      if (!route(s.routers, SERVER_PEER, data, 0, data.length, e.channel)) s.counters.messagesUnrouted++;
    }
  }
}
