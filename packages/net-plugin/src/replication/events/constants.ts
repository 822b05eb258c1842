/**
 * Constants of the event messages, each with its reason. The bytes are described in
 * docs/TIME-SYNC.md ("Events").
 */
import { DEFAULT_CHANNELS, ChannelKind, MAX_UNRELIABLE_MESSAGE_BYTES } from "../../reliability/channels";
import { Wire } from "../../protocol/constants";

/** Event message layout. */
export const EventWire = {
  /**
   * Version of the event bytes, in the protocol hash (2: broadcast relay kinds 0xE2/0xE3), so
   * peers that disagree on the layout refuse each other at the handshake.
   */
  version: 2,
  /**
   * First byte of an event message. 0xE0–0xE3 are reserved for events among the plugin's message
   * kinds (time sync has 0xF0–0xF1) so one channel can carry both and a router tells them apart.
   */
  eventKind: 0xe0,
  /** First byte of a reject message (the receiver's validation refused an event). */
  rejectKind: 0xe1,
  /**
   * First byte of a client's `broadcastEvent` (client → server): an event the server validates,
   * dispatches, and relays to every other client on the channel it arrived on.
   */
  broadcastKind: 0xe2,
  /** First byte of a relayed broadcast (server → client): the header carries the sender's slot. */
  relayedKind: 0xe3,
  /** kind u8, type id u16, tick u32 (little-endian), then the payload. */
  headerBytes: 1 + 2 + 4,
  /** A relayed event's header: kind u8, type id u16, tick u32, sender slot u16, then the payload. */
  relayedHeaderBytes: 1 + 2 + 4 + 2,
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
   * Received bytes held until dispatch: the inbox's slab grows to this (from 16 KiB) only when a
   * frame brings that much. Two of the largest reliable messages, so one always fits.
   */
  inboxBytes: 2 * Wire.maxMessageBytes,
  /**
   * Reliable events waiting because a peer's send window was full; past this the game is sending
   * far faster than the link drains, and sending throws instead of growing memory.
   */
  backlogCapacity: 4096,
} as const;
