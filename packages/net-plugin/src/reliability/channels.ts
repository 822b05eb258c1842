/**
 * Channel kinds and configuration. A connection has up to 16 channels, each of one kind; both
 * peers must configure the same list (it is part of the protocol hash, see
 * {@link describeChannels}).
 */
import { Timing, Wire } from "../protocol/constants";

/** How a channel delivers messages. */
export const ChannelKind = {
  /** Every message exactly once, in send order; large messages are fragmented (≤ 1 MiB). */
  ReliableOrdered: "reliable-ordered",
  /** Every message exactly once, as soon as it arrives (order not kept); fragmented like above. */
  ReliableUnordered: "reliable-unordered",
  /** At most once; a message older than the newest one received is dropped. Fits one packet. */
  UnreliableSequenced: "unreliable-sequenced",
  /** At most once, in any order. Fits one packet. */
  Unreliable: "unreliable",
} as const;
/** One of the {@link ChannelKind} values. */
export type ChannelKind = (typeof ChannelKind)[keyof typeof ChannelKind];

/** Configuration of one channel. */
export interface ChannelConfig {
  kind: ChannelKind;
  /**
   * Reliable kinds only: resend an unacked message after `resendRttFactor × smoothed RTT`
   * (clamped to `Timing.minResendSeconds..maxResendSeconds`). Default `Timing.resendRttFactor`;
   * use ~1.25 for bulk data where duplicates cost more than latency.
   */
  resendRttFactor?: number;
}

/** The default layout: channel 0..3 = reliable-ordered, reliable-unordered, sequenced, unreliable. */
export const DEFAULT_CHANNELS: readonly ChannelConfig[] = Object.freeze([
  { kind: ChannelKind.ReliableOrdered },
  { kind: ChannelKind.ReliableUnordered },
  { kind: ChannelKind.UnreliableSequenced },
  { kind: ChannelKind.Unreliable },
]);

/** True for the two reliable kinds. */
export function isReliable(kind: ChannelKind): boolean {
  return kind === ChannelKind.ReliableOrdered || kind === ChannelKind.ReliableUnordered;
}

/**
 * Largest unreliable message: one MTU packet minus the largest packet header and the largest
 * unreliable message header (prefix, 16-bit sequence, 3-byte length).
 */
export const MAX_UNRELIABLE_MESSAGE_BYTES = Wire.mtuPayloadBytes - Wire.maxPacketHeaderBytes - 6;

/** A stable text form of a channel list for the protocol hash, e.g. `0:reliable-ordered,...`. */
export function describeChannels(channels: readonly ChannelConfig[]): string {
  return channels.map((c, i) => `${i}:${c.kind}`).join(",");
}

/** Checks a channel list (local misuse throws, naming the channel and the fix). */
export function validateChannels(channels: readonly ChannelConfig[]): void {
  if (channels.length === 0 || channels.length > Wire.maxChannels) {
    throw new RangeError(
      `ReliableEndpoint: configure 1..${Wire.maxChannels} channels, got ${channels.length}.`,
    );
  }
  const kinds = Object.values(ChannelKind) as string[];
  channels.forEach((c, i) => {
    if (!kinds.includes(c.kind)) {
      throw new RangeError(`ReliableEndpoint: channel ${i} has unknown kind "${String(c.kind)}".`);
    }
    const factor = c.resendRttFactor ?? Timing.resendRttFactor;
    if (!(factor > 0 && factor <= 10)) {
      throw new RangeError(
        `ReliableEndpoint: channel ${i} resendRttFactor must be in (0, 10], got ${factor}.`,
      );
    }
  });
}
