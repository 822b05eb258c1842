/**
 * Client `sendPackets` (PostUpdate, SendPackets): writes the NetClient's due packets (messages
 * the Send systems queued, handshake packets, keep-alives) to the transport.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { ClientReplication } from "./clientReplication";

/** Flushes the NetClient's queued messages into packets. */
export function sendPackets(world: AppWorld): void {
  getResource(world, ClientReplication).client.sendPackets();
}
