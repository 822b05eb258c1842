/**
 * Reliability warm-up: runs two private endpoints through a few frames of traffic that takes the
 * branches a game reaches only later — a message that no longer fits beside the others (the
 * composer flushes the packet from `append`), more than `Buffers.maxMessagesPerPacket` small
 * messages, a write budget spent with messages still queued, fragmented reliable messages, lost
 * packets, resends and ack-only packets. Optimized code deoptimizes the first time it reaches a
 * branch that never ran (no type feedback) and then runs unoptimized, boxing the doubles it
 * touches, until V8 optimizes it again: in `tests/replication-systems/noAllocation.test.ts` the
 * first snapshot that no longer fit beside the other messages of a packet (tick ≈ 1,080)
 * deoptimized `PacketComposer.append`. Methods share their type feedback across instances, so
 * one run per process warms every endpoint (as `warmUpCodec` does for the codec).
 */
import { DEFAULT_CHANNELS, isReliable, MAX_UNRELIABLE_MESSAGE_BYTES } from "./channels";
import { Buffers } from "../protocol/constants";
import type { ReliableCounters } from "./endpointCounters";
import type { ReceivedMessage } from "./receiveBudget";
import { ReliableEndpoint } from "./reliableEndpoint";

/** Frames of warm-up traffic: enough for acks, a loss judgement, resends and a bandwidth sample. */
const WARM_FRAMES = 12;
/** Seconds per frame (60 Hz); the frame at RESEND_FRAME jumps ahead so unacked messages resend. */
const FRAME_SECONDS = 1 / 60;
/** The frame before which time jumps by JUMP_SECONDS (past every resend delay). */
const RESEND_FRAME = 6;
/** Seconds of the jump: above the initial RTT times the resend and loss factors. */
const JUMP_SECONDS = 0.75;
/** Small messages per channel and frame: more than one packet holds (maxMessagesPerPacket). */
const SMALL_MESSAGES = Buffers.maxMessagesPerPacket + 6;
/** A message of which two do not fit one packet: the second flushes the first from `append`. */
const MEDIUM_BYTES = (MAX_UNRELIABLE_MESSAGE_BYTES >> 1) + 100;
/** A reliable message of several fragments. */
const LARGE_BYTES = 3 * 1024 + 17;
/** The sender's packets per write: small, so the budget is spent with messages queued. */
const SENDER_PACKETS_PER_WRITE = 3;
/** One in this many of the sender's packets is lost. */
const LOSE_EVERY = 5;

let warmed = false;

/**
 * Runs the warm-up traffic once per process and returns both endpoints' counters (what ran);
 * later calls return `undefined` at once.
 */
export function warmUpReliability(): { sender: ReliableCounters; receiver: ReliableCounters } | undefined {
  if (warmed) return undefined;
  warmed = true;
  const payload = new Uint8Array(LARGE_BYTES).fill(0x5a);
  const taken: ReceivedMessage = { buffer: payload, offset: 0, length: 0 };
  let sentPackets = 0;
  const sender = new ReliableEndpoint({
    maxPacketsPerWrite: SENDER_PACKETS_PER_WRITE,
    transmitRange: (buffer, offset, length) => {
      // `receiver` is declared below; packets flow only once both exist (from writePackets).
      if (++sentPackets % LOSE_EVERY !== 0) receiver.receivePacket(buffer, offset, length);
    },
  });
  const receiver = new ReliableEndpoint({
    transmitRange: (buffer, offset, length) => sender.receivePacket(buffer, offset, length),
  });
  let now = 1 + FRAME_SECONDS / 3; // fractional, like a real clock
  for (let frame = 0; frame < WARM_FRAMES; frame++) {
    now += frame === RESEND_FRAME ? JUMP_SECONDS : FRAME_SECONDS;
    for (let channel = 0; channel < DEFAULT_CHANNELS.length; channel++) {
      const config = DEFAULT_CHANNELS[channel];
      const reliable = config !== undefined && isReliable(config.kind);
      const offer = (bytes: number): void => {
        if (sender.canSend(channel, bytes)) sender.send(channel, payload, bytes);
      };
      for (let i = 0; i < SMALL_MESSAGES; i++) offer(1 + (i % 8));
      offer(MEDIUM_BYTES);
      offer(MEDIUM_BYTES);
      if (reliable && frame % 4 === 0) offer(LARGE_BYTES);
    }
    sender.update(now);
    receiver.update(now);
    sender.writePackets();
    receiver.writePackets();
    for (let channel = 0; channel < DEFAULT_CHANNELS.length; channel++) {
      while (receiver.receiveMessage(channel, taken));
      while (sender.receiveMessage(channel, taken));
    }
  }
  return { sender: sender.counters, receiver: receiver.counters };
}
