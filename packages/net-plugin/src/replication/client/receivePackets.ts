/**
 * Client `receivePackets` (PreUpdate, ReceivePackets): advances the NetClient to the frame's
 * clock time, drains the transport, and copies the frame's connects, disconnects and snapshots
 * into `frame` for the Receive systems; messages off the snapshot channel go to the first router
 * that takes them (time sync, events, corrections), which copy what they keep. Event objects are
 * not kept: the NetClient reuses them.
 */
import { getResource, Time, type AppWorld } from "@canopy/core";
import { SERVER_PEER } from "../../time-sync/peerLink";
import { FrameEventKind } from "../server/frameEvents";
import { route } from "../server/receivePackets";
import { ClientReplication } from "./clientReplication";

/** Drains the transport into the NetClient and this frame's events. */
export function receivePackets(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  const frame = s.frame;
  frame.clear();
  s.client.update(getResource(world, Time).now);
  s.client.receivePackets();
  for (let e = s.client.pollEvent(); e !== undefined; e = s.client.pollEvent()) {
    if (e.type === "connected") frame.pushEvent(FrameEventKind.connected, SERVER_PEER);
    else if (e.type === "disconnected")
      frame.pushEvent(FrameEventKind.disconnected, SERVER_PEER, { reason: e.reason, message: e.message });
    else {
      // buffer/offset/length, never e.data (a copy made on access).
      if (e.channel === s.snapshotChannel) frame.pushMessage(SERVER_PEER, e.buffer, e.offset, e.length);
      else if (!route(s.routers, SERVER_PEER, e.buffer, e.offset, e.length, e.channel))
        s.counters.messagesUnrouted++;
    }
  }
}
