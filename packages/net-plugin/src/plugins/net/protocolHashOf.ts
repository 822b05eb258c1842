/**
 * The protocol hash both NetPlugins put in the handshake: wire version, channel layout and every
 * replicated field (with the ownership field registered last), so a client built with other
 * templates is refused with `protocolHashMismatch` naming both hashes.
 */
import { createProtocolHash } from "../../protocol/protocolHash";
import { DEFAULT_CHANNELS, describeChannels, type ChannelConfig } from "../../reliability/channels";
import type { ReplicationRegistry } from "../../replication/registry";

/** The 32-bit protocol hash of `registry` over `channels`. */
export function protocolHashOf(
  registry: ReplicationRegistry,
  channels: readonly ChannelConfig[] = DEFAULT_CHANNELS,
): number {
  const hash = createProtocolHash().add("channels", describeChannels(channels));
  return registry.addToHash(hash).digest();
}
