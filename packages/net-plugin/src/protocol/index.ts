/**
 * protocol/ — the bytes. Every other layer (and the online services) agrees on how values become
 * bits through this layer: a bit writer and a never-throwing bit reader, wrap-safe 16-bit
 * sequence numbers, the protocol constants with their reasons, and the protocol hash checked in
 * the handshake. It imports nothing else from the stack, so anything may import it.
 */
export { BitWriter } from "./bitWriter";
export { BitReader } from "./bitReader";
export { addSeq, asSeq16, nextSeq, seqDiff, seqGreaterThan, seqLessThan, type Seq16 } from "./seq16";
export { Buffers, Protocol, Timing, Wire } from "./constants";
export { createProtocolHash, type ProtocolHashBuilder } from "./protocolHash";
