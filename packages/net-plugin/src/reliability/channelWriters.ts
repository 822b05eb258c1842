/**
 * What each channel puts into outgoing packets: queued unreliable messages, and reliable
 * messages never sent or unacked for longer than their resend delay (docs/PROTOCOL.md, "Resends").
 */
import { Buffers, Timing } from "../protocol/constants";
import type { ChannelState } from "./channelState";
import type { ReliableCounters } from "./endpointCounters";
import { createMessageHeader } from "./messageHeader";
import type { PacketComposer } from "./packetComposer";

const message = createMessageHeader();

/** Packs queued unreliable messages, channel by channel; false when the packet budget ran out. */
export function writeUnreliable(
  channels: readonly ChannelState[],
  composer: PacketComposer,
  counters: ReliableCounters,
): boolean {
  const m = message;
  for (let ci = 0; ci < channels.length; ci++) {
    const c = channels[ci] as ChannelState;
    const q = c.outbox;
    if (!q) continue;
    while (q.length > 0) {
      m.channel = ci;
      m.id = q.peekSequence();
      m.fragmentIndex = m.fragmentCount = 0;
      m.length = q.peekLength();
      // Copied straight out of the ring (copyBytes: no view object per message).
      if (!composer.append(c.kind, m, q.ring.bytes, q.peekOffset(), 0, q.peekTicket())) return false;
      q.shift();
      counters.messagesSent++;
    }
  }
  return true;
}

/**
 * Packs reliable messages that are due (oldest id first, channel by channel) given the link's
 * planning RTT; false when the packet budget ran out. The estimate is read here (a field), not
 * passed in as a number: a double argument to a call that is not inlined is boxed (a heap number
 * per call).
 */
export function writeReliable(
  channels: readonly ChannelState[],
  composer: PacketComposer,
  counters: ReliableCounters,
  link: { readonly planningRtt: number },
): boolean {
  const m = message;
  const now = composer.now;
  const rtt = link.planningRtt;
  for (let ci = 0; ci < channels.length; ci++) {
    const c = channels[ci] as ChannelState;
    const s = c.sender;
    if (!s) continue;
    // Seconds before an unacked message is sent again: factor × RTT within [min, max] resend
    // seconds. Computed inline (Math.* only): a double passed to a helper that is not inlined is
    // boxed, once per call.
    const factor = c.resendRttFactor;
    const fragmentFactor = Math.max(factor, Timing.fragmentResendRttFactor);
    const delay = Math.min(Timing.maxResendSeconds, Math.max(Timing.minResendSeconds, rtt * factor));
    const fragmentDelay = Math.min(
      Timing.maxResendSeconds,
      Math.max(Timing.minResendSeconds, rtt * fragmentFactor),
    );
    const inFlight = s.inFlight;
    for (let k = 0; k < inFlight; k++) {
      const id = (s.base + k) & 0xffff;
      const slot = id & (Buffers.messageWindow - 1);
      if (s.unacked[slot] === 0) continue;
      const last = s.lastSent[slot] as number;
      // A microsecond of slack so frame-quantized clocks (0.15 - 0.1 < 0.05 in floats) resend on time.
      const wait = (s.fragmentCount[slot] === 0 ? delay : fragmentDelay) - 1e-6;
      if (last >= 0 && now - last < wait) continue;
      m.channel = ci;
      m.id = id;
      m.fragmentIndex = s.fragmentIndex[slot] as number;
      m.fragmentCount = s.fragmentCount[slot] as number;
      m.length = s.size[slot] as number;
      if (!composer.append(c.kind, m, s.ring.bytes, s.offset[slot] as number, id, 0)) return false;
      s.lastSent[slot] = now;
      if (last < 0) counters.messagesSent++;
      else counters.messagesResent++;
    }
  }
  return true;
}
