/**
 * Counters of one {@link ReliableEndpoint} (never reset except by `reset()`): what was sent and
 * received, and every way a remote packet or message was dropped, each under its own name.
 */

/** Event counts of one endpoint. */
export interface ReliableCounters {
  /** Packets handed to `transmit` (ack-only packets included). */
  packetsSent: number;
  /** Ack-only packets (no messages) among `packetsSent`. */
  ackPacketsSent: number;
  /** Valid, new packets processed. */
  packetsReceived: number;
  /** Our packets the peer acknowledged. */
  packetsAcked: number;
  /** Remote packets that failed to decode (truncated, reserved bits, bad message header…). */
  packetsInvalid: number;
  /** Remote packets older than the received-packets window. */
  packetsStale: number;
  /** Remote packets with a sequence already received. */
  packetsDuplicate: number;
  /** Valid packets left unacked because a reliable message did not fit the receive budget. */
  packetsRefused: number;
  /** Messages put in packets for the first time. */
  messagesSent: number;
  /** Reliable messages (or fragments) put in packets again after their resend delay. */
  messagesResent: number;
  /** Messages (or fragments) taken from received packets. */
  messagesReceived: number;
  /** Reliable messages received again (resends, duplicated packets): ignored. */
  messagesDuplicate: number;
  /** Unreliable messages dropped: older than the newest sequenced one, queue or budget full. */
  messagesDropped: number;
  /** Reliable messages not stored for lack of receive budget (the sender will retry). */
  messagesRefused: number;
}

/** Fresh zeroed counters. */
export function createReliableCounters(): ReliableCounters {
  return {
    packetsSent: 0,
    ackPacketsSent: 0,
    packetsReceived: 0,
    packetsAcked: 0,
    packetsInvalid: 0,
    packetsStale: 0,
    packetsDuplicate: 0,
    packetsRefused: 0,
    messagesSent: 0,
    messagesResent: 0,
    messagesReceived: 0,
    messagesDuplicate: 0,
    messagesDropped: 0,
    messagesRefused: 0,
  };
}
