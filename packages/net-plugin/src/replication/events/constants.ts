/**
 * Constants of the event messages, each with its reason. The bytes are described in
 * docs/TIME-SYNC.md ("Events").
 */
import { DEFAULT_CHANNELS, ChannelKind, MAX_UNRELIABLE_MESSAGE_BYTES } from "../../reliability/channels";
import { Wire } from "../../protocol/constants";

/** Event message layout. */
export const EventWire = {
  /**
   * First byte of an event message. 0xE0–0xE1 are reserved for events among the plugin's message
   * kinds (time sync has 0xF0–0xF1) so one channel can carry both and a router tells them apart.
   */
  eventKind: 0xe0,
  /** First byte of a reject message (the receiver's validation refused an event). */
  rejectKind: 0xe1,
  /** kind u8, type id u16, tick u32 (little-endian), then the payload. */
  headerBytes: 1 + 2 + 4,
  /** Longest reject reason in UTF-8 bytes: a readable sentence, not a log dump. */
  maxReasonBytes: 200,
  /** Most event types a registry holds (type ids are u16). */
  maxTypes: 0xffff,
  /** Largest unreliable event payload: one packet's message minus the event header. */
  maxUnreliablePayload: MAX_UNRELIABLE_MESSAGE_BYTES - (1 + 2 + 4),
  /** Largest reliable event payload: the largest reliable message minus the event header. */
  maxReliablePayload: Wire.maxMessageBytes - (1 + 2 + 4),
} as const;

/** Default channels of the default layout: reliable-ordered for `inOrder`, unreliable otherwise. */
export const EventChannels = {
  reliable: DEFAULT_CHANNELS.findIndex((c) => c.kind === ChannelKind.ReliableOrdered),
  unreliable: DEFAULT_CHANNELS.findIndex((c) => c.kind === ChannelKind.Unreliable),
} as const;

/** Bounds of the registry's queues, each with its reason. */
export const EventLimits = {
  /** Received messages held until the Receive-set system dispatches them (per frame, bounded). */
  inboxCapacity: 8192,
  /**
   * Reliable events waiting because a peer's send window was full; past this the game is sending
   * far faster than the link drains, and sending throws instead of growing memory.
   */
  backlogCapacity: 4096,
} as const;
