/**
 * Every protocol constant in one place, each with the reason for its value (STYLE.md habit 5).
 * docs/PROTOCOL.md describes the bytes these numbers shape. Changing anything in `Protocol` or
 * `Wire` changes the bytes on the wire: bump {@link Protocol.version}.
 */

/** Identity of the wire format. */
export const Protocol = {
  /**
   * Wire-format version, checked in the handshake; bump on any change to the bytes or to what
   * they may say (3: a prediction reference at most REFERENCE_WINDOW = 16 sequences behind its
   * baseline, no longer 63; same bits).
   */
  version: 3,
  /** Seed of the protocol hash (FNV-1a 32-bit offset basis) so an empty registry still hashes. */
  hashSeed: 0x811c9dc5,
} as const;

/** Sizes and limits of packets and messages. */
export const Wire = {
  /**
   * Largest packet payload in bytes (reliability header + messages, before encryption). 1200
   * keeps a UDP datagram below the 1280-byte IPv6 minimum MTU with room for IP/UDP headers and
   * AEAD overhead, so packets are never IP-fragmented.
   */
  mtuPayloadBytes: 1200,
  /** Largest reliable message: 1 MiB, enough for a level or save blob; larger is app misuse. */
  maxMessageBytes: 1 << 20,
  /**
   * Payload bytes per fragment of a large reliable message. 1024 fits an MTU packet with its
   * headers and makes 1 MiB exactly 1024 fragments.
   */
  fragmentBytes: 1024,
  /** Most fragments one message may have: maxMessageBytes / fragmentBytes. */
  maxFragments: (1 << 20) / 1024,
  /** Smallest reliability header: prefix byte, 16-bit sequence, 1-byte ack difference. */
  minPacketHeaderBytes: 4,
  /** Largest reliability header: prefix, sequence, 16-bit ack, all 4 ack-bitfield bytes. */
  maxPacketHeaderBytes: 9,
  /** Channel index bits in a message header: up to 16 channels per connection. */
  channelBits: 4,
  /** Most channels one endpoint may configure (2^channelBits). */
  maxChannels: 16,
  /** Largest header of one message (prefix, id, fragment index and count, length varuints). */
  maxMessageHeaderBytes: 10,
  /** Longest string `BitReader.readString` accepts when a caller gives no tighter limit. */
  maxStringBytes: 4096,
} as const;

/** Sizes of the per-endpoint buffers (all preallocated; none grow with what a peer sends). */
export const Buffers = {
  /**
   * Sent-packet records kept for acks, RTT and loss: 256 packets is > 4 s at 60 packets/s, far
   * longer than any ack can take to arrive on a live connection.
   */
  sentPackets: 256,
  /**
   * Received-packet records kept for duplicate detection; a packet older than this window is
   * stale and dropped (it could not be told apart from a replay).
   */
  receivedPackets: 256,
  /** Bits in the ack bitfield: the 32 packets before `ack` are acknowledged on every packet. */
  ackBits: 32,
  /**
   * After this many received packets without sending one, the endpoint sends an ack-only packet
   * so a burst larger than the 33-packet ack window is still fully acknowledged.
   */
  ackEveryPackets: 16,
  /**
   * Reliable message ids in flight per channel (send and receive window). 2048 holds a 1 MiB
   * message (1024 fragments) plus as much again of small messages; far below 32768 so
   * wrap-safe comparison of 16-bit ids stays unambiguous.
   */
  messageWindow: 2048,
  /** Most messages recorded per packet (bounds ack bookkeeping; a packet closes when full). */
  maxMessagesPerPacket: 64,
  /**
   * Bytes a peer may make this endpoint hold in receive buffers (fragments waiting for
   * reassembly + messages waiting for the app): a 1 MiB message plus 1 MiB of slack. Past it,
   * packets are left unacked so the sender retries later — memory stays bounded.
   */
  maxReceiveBufferBytes: 2 << 20,
  /** Unreliable messages queued between two `writePackets` calls; more are dropped and counted. */
  maxUnreliableQueue: 1024,
  /**
   * Most packets one `writePackets` call sends: 64 × 1200 B ≈ 77 KB per frame (4.6 MB/s at
   * 60 Hz) — a cap on bursts, not congestion control; a 1 MiB message takes ~16 frames.
   */
  maxPacketsPerWrite: 64,
  /**
   * Most of our packets the peer may not have acked yet (3/4 of `sentPackets`): a send beyond it
   * would overwrite the record an ack still needs. Past it, one packet per write probes the link.
   */
  maxPacketsInFlight: 192,
  /** Payload packets judged (acked or lost) per packet-loss sample. */
  lossSamplePackets: 32,
  /** RTT samples kept to report best and worst RTT: ~1 s of packets at 60 Hz. */
  rttHistory: 64,
} as const;

/** Timing of resends and statistics, in seconds unless named otherwise. */
export const Timing = {
  /** RTT assumed before the first sample: a typical internet round trip. */
  initialRttSeconds: 0.1,
  /** Smoothing factor of the RTT average per sample (converges in ~20 samples, filters jitter). */
  rttSmoothing: 0.1,
  /**
   * Default resend delay as a multiple of the smoothed RTT. 0.5 RTT means a reliable message
   * that has not been acked is sent again before an ack could arrive, so one lost copy costs
   * ~0.5 RTT instead of 1.25+ RTT (docs/PROTOCOL.md, "Resends"; bench `reliable`).
   */
  resendRttFactor: 0.5,
  /**
   * Resend factor floor for fragments of large messages: they are bulk data, bound by throughput,
   * so they wait for a lost ack (1.25 RTT) instead of being sent twice.
   */
  fragmentResendRttFactor: 1.25,
  /** Resend delay floor: avoids resending every frame on a LAN with a ~0 ms RTT. */
  minResendSeconds: 0.03,
  /** Resend delay ceiling: a stalled link still retries at least once a second. */
  maxResendSeconds: 1,
  /** A sent packet counts toward loss once this many RTTs passed without an ack. */
  lossAfterRtts: 2,
  /** Smoothing factor of the packet-loss and bandwidth estimates per sample. */
  statsSmoothing: 0.25,
  /**
   * A smoothed packet loss below this (percent) reads as 0: far below anything shown or acted on,
   * and the estimate then stops decaying by fractions forever (loss samples are rare, so they
   * mostly run unoptimized, where every fractional result is a heap number).
   */
  lossPercentFloor: 0.001,
  /** Interval of bandwidth samples. */
  bandwidthSampleSeconds: 0.1,
} as const;
