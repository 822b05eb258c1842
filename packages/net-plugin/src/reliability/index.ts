/**
 * reliability/ — turns a lossy, reordering datagram link into channels a game can trust: every
 * packet carries a 16-bit sequence, an ack and a 32-bit ack bitfield (reliable.io); acks drive
 * RTT, loss and bandwidth estimates and release reliable messages, which are resent on an RTT
 * timer, fragmented up to 1 MiB and delivered exactly once (in order where asked) within bounded
 * buffers. It knows nothing about sockets or encryption: the connection layer feeds it bytes.
 */
export {
  ChannelKind,
  DEFAULT_CHANNELS,
  describeChannels,
  isReliable,
  MAX_UNRELIABLE_MESSAGE_BYTES,
  type ChannelConfig,
} from "./channels";
export { createReliableCounters, type ReliableCounters } from "./endpointCounters";
export { type LinkEstimates } from "./linkEstimator";
export {
  createMessageHeader,
  MessagePrefix,
  messageHeaderBytes,
  readMessageHeader,
  writeMessageHeader,
  type MessageHeader,
} from "./messageHeader";
export {
  createPacketHeader,
  PacketPrefix,
  readPacketHeader,
  writePacketHeader,
  type PacketHeader,
} from "./packetHeader";
export { ReliableEndpoint, type ReliableEndpointOptions } from "./reliableEndpoint";
export { SequenceBuffer } from "./sequenceBuffer";
