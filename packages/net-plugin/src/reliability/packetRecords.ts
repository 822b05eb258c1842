/**
 * What an endpoint remembers per packet, preallocated in its sequence buffers: for sent packets
 * the send time, size and the messages they carried (so an ack releases them); for received
 * packets whether we may acknowledge them.
 */
import { Buffers } from "../protocol/constants";

/** One sent packet. */
export class SentPacket {
  /**
   * Send time, seconds. A double from the start (NaN until sent): starting as the integer 0, each
   * of the 256 preallocated records would be migrated to the double layout, allocating, the first
   * time it is reused after the first fractional time was stored.
   */
  time = Number.NaN;
  bytes = 0;
  acked = false;
  /** False for ack-only packets (not judged for loss: nothing asks the peer to answer them). */
  hasPayload = false;
  messageCount = 0;
  readonly channel = new Uint8Array(Buffers.maxMessagesPerPacket);
  /** Message id for reliable channels; unused otherwise. */
  readonly id = new Uint16Array(Buffers.maxMessagesPerPacket);
  /** The ticket `send` returned, for unreliable channels' ack notifications. */
  readonly ticket = new Uint32Array(Buffers.maxMessagesPerPacket);
}

/** One received packet. */
export class ReceivedPacket {
  /** False when a reliable message in it was refused: the peer must resend, so we do not ack. */
  ackable = false;
}
