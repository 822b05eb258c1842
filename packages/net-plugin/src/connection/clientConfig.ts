/** Configuration of a NetClient: every field with its unit and default. */
import type { ChannelConfig } from "../reliability/channels";
import type { PacketAead } from "./aead";
import type { LogPacketsOption, PacketLogOpener } from "./packetLog";

/** Configuration of a {@link NetClient}. */
export interface NetClientConfig {
  /** Wire-format version (default `Protocol.version`); must match the server's. */
  protocolVersion?: number;
  /** Hash of registered templates, events and channels (default 0); must match the server's. */
  protocolHash?: number;
  /** Seconds without sending after which a keep-alive goes out (default 0.1). */
  keepAliveSeconds?: number;
  /** Channel layout, identical to the server's (default `DEFAULT_CHANNELS`). */
  channels?: readonly ChannelConfig[];
  /** Packet log: `true`, a file path (with `openPacketLog`), or a callback. */
  logPackets?: LogPacketsOption;
  /** File writer for path logs (Node: `openPacketLogFile` from `@canopy/net-plugin/server`). */
  openPacketLog?: PacketLogOpener;
  /** Wall-clock Unix seconds, to notice an expired token (default `Date.now() / 1000`). */
  unixTime?: () => number;
  /** Packet AEAD (default: portable @noble/ciphers; faster: `await loadSodiumAead()`, which the Node helpers pick). */
  aead?: PacketAead;
  /** Called (during `receivePackets`) once for each message the server acknowledged; `ticket` is what `send` returned. */
  onMessageAcked?: (channel: number, ticket: number) => void;
}
