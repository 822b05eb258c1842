/**
 * The named system sets of one networked tick (DESIGN.md "One tick"), as a documented constant
 * table. PreUpdate runs `ReceivePackets → Receive → ApplyServices` (ApplyServices is the services
 * layer's set, ordered after these by the NetPlugin); PostUpdate runs `PrepareSend → Send →
 * SendPackets`. Game code orders its own systems against them, e.g.
 * `app.addSystems(Stage.PostUpdate, { run: chooseTargets, before: PrepareSend })`.
 */
import { defineSet, type SystemSet } from "@canopy/core";

/** PreUpdate, first: drain the transport into the connection and the frame's inbox of events. */
export const ReceivePackets = defineSet("ReceivePackets");
/** PreUpdate, second: connection events, acks, time sync, snapshots (decode and apply), events. */
export const Receive = defineSet("Receive");
/** PostUpdate, first: capture replicated state, change detection, interest, priority accumulators. */
export const PrepareSend = defineSet("PrepareSend");
/** PostUpdate, second: encode snapshots, acks, inputs and events into channel messages. */
export const Send = defineSet("Send");
/** PostUpdate, last: write every connection's due packets and keep-alives to the transport. */
export const SendPackets = defineSet("SendPackets");

/** One row of {@link NetSets}: the set, its stage and what belongs in it. */
export interface NetSetInfo {
  readonly set: SystemSet;
  readonly stage: "PreUpdate" | "PostUpdate";
  readonly holds: string;
}

/** The net-plugin sets in the order they run within a frame. */
export const NetSets: readonly NetSetInfo[] = Object.freeze([
  { set: ReceivePackets, stage: "PreUpdate", holds: "transport → connection; events into the inbox" },
  { set: Receive, stage: "PreUpdate", holds: "connections, acks, time sync, snapshots, events" },
  { set: PrepareSend, stage: "PostUpdate", holds: "capture, change detection, interest, priorities" },
  { set: Send, stage: "PostUpdate", holds: "snapshots, acks, inputs, events → channel messages" },
  { set: SendPackets, stage: "PostUpdate", holds: "connection → transport (packets, keep-alives)" },
]);
