/**
 * The protocol hash both NetPlugins put in the handshake: wire version, channel layout, every
 * replicated field (with the ownership field registered last), the network-id capacity, the
 * correction format (client authority) and every event type, so a client built with other
 * templates, or without the server's corrections, is refused with `protocolHashMismatch` naming
 * both hashes.
 */
import { createProtocolHash } from "../../protocol/protocolHash";
import { DEFAULT_CHANNELS, describeChannels, type ChannelConfig } from "../../reliability/channels";
import type { ReplicationRegistry } from "../../replication/registry";
import type { EventRegistry } from "../../replication/events/eventRegistry";
import { describeCorrectionWire } from "../../replication/server/correctionMessage";

/**
 * The 32-bit protocol hash of `registry` (and `events`, the network-id `capacity`, and whether
 * the peer sends/applies `corrections` of refused upstream state, default true) over `channels`.
 */
export function protocolHashOf(
  registry: ReplicationRegistry,
  channels: readonly ChannelConfig[] = DEFAULT_CHANNELS,
  events?: EventRegistry,
  capacity?: number,
  corrections = true,
): number {
  const hash = createProtocolHash().add("channels", describeChannels(channels));
  registry.addToHash(hash);
  // Network ids must fit both sides' snapshot states, or the client would reject every snapshot.
  if (capacity !== undefined) hash.add("replication-capacity", capacity);
  // The server's snap-back of refused upstream state must be read (and applied) by the owner.
  hash.add("corrections", describeCorrectionWire(corrections));
  if (events !== undefined) hash.add("events", events.describe());
  return hash.digest();
}
