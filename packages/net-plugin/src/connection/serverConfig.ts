/** Configuration of a NetServer: every field with its unit, default and limits. */
import type { ChannelConfig } from "../reliability/channels";
import type { PacketAead } from "./aead";
import type { LogPacketsOption, PacketLogOpener } from "./packetLog";
import type { RateLimits } from "./rateLimits";

/** Configuration of a {@link NetServer}. */
export interface NetServerConfig {
  /** 64-bit game id; must match the tokens' protocol id. */
  protocolId: bigint | number;
  /** Wire-format version clients must match (default `Protocol.version`). */
  protocolVersion?: number;
  /** Hash of registered templates, events and channels clients must match (default 0). */
  protocolHash?: number;
  /** 32-byte key shared with the token issuer. */
  privateKey: Uint8Array;
  /** Client slots, 1..65535 (default 64). */
  maxClients?: number;
  /** Seconds of silence before a client is dropped; tokens may ask for less (default 5). */
  timeoutSeconds?: number;
  /** Seconds without sending after which a keep-alive goes out (default 0.1). */
  keepAliveSeconds?: number;
  /** Rate limits; omitted fields use `DefaultRateLimits`. */
  rateLimits?: Partial<RateLimits>;
  /** Packet log: `true`, a file path (with `openPacketLog`), or a callback. */
  logPackets?: LogPacketsOption;
  /** File writer for path logs (Node: `openPacketLogFile` from `@canopy/net-plugin/server`). */
  openPacketLog?: PacketLogOpener;
  /** Channel layout, identical on clients (default `DEFAULT_CHANNELS`). */
  channels?: readonly ChannelConfig[];
  /** Addresses tokens name for this server (default: the transport's local address). */
  publicAddresses?: readonly string[];
  /** Wall-clock Unix seconds for token expiry (default `Date.now() / 1000`). */
  unixTime?: () => number;
  /** Packet AEAD (default: portable @noble/ciphers; faster: `await loadSodiumAead()`, which the Node helpers pick). */
  aead?: PacketAead;
  /**
   * Called (during `receivePackets`) once for each message whose packet client slot `client`
   * acknowledged; `ticket` is what `send` returned. Unreliable messages ack too: it says the
   * packet arrived, not that the app used it. Used by replication for snapshot baselines.
   */
  onMessageAcked?: (client: number, channel: number, ticket: number) => void;
}
