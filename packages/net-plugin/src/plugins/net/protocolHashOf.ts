/**
 * The protocol hash both NetPlugins put in the handshake: wire version, channel layout and every
 * replicated field (with the ownership field registered last) and event type, so a client built with other
 * templates is refused with `protocolHashMismatch` naming both hashes.
 */
import { createProtocolHash } from "../../protocol/protocolHash";
import { DEFAULT_CHANNELS, describeChannels, type ChannelConfig } from "../../reliability/channels";
import type { ReplicationRegistry } from "../../replication/registry";
import type { EventRegistry } from "../../replication/events/eventRegistry";

/** The 32-bit protocol hash of `registry` (and `events`, and the network-id `capacity`) over `channels`. */
export function protocolHashOf(
  registry: ReplicationRegistry,
  channels: readonly ChannelConfig[] = DEFAULT_CHANNELS,
  events?: EventRegistry,
  capacity?: number,
): number {
  const hash = createProtocolHash().add("channels", describeChannels(channels));
  registry.addToHash(hash);
  // Network ids must fit both sides' snapshot states, or the client would reject every snapshot.
  if (capacity !== undefined) hash.add("replication-capacity", capacity);
  if (events !== undefined) hash.add("events", events.describe());
  return hash.digest();
}
