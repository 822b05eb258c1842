/**
 * Server `sendPackets` (PostUpdate, SendPackets): writes every client's due packets (the
 * messages the Send systems queued) and keep-alives to the transport.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { ServerReplication } from "./serverReplication";

/** Flushes the NetServer's queued messages into packets. */
export function sendPackets(world: AppWorld): void {
  getResource(world, ServerReplication).server.sendPackets();
}
