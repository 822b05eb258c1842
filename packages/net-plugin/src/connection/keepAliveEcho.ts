/**
 * RTT from keep-alives, so an idle connection keeps measuring its latency (the reliability layer
 * only samples RTT from acks, and those stop when no messages flow). Each connected keep-alive
 * echoes the newest keep-alive received from the peer and says how long it held it; the sender of
 * the echoed keep-alive then knows `RTT = now − sent time − hold`, with no frame delay inside.
 * Layout: docs/PROTOCOL.md, "Keep-alives". Nothing here allocates per packet.
 */
import { ConnectionWire } from "./constants";

/** Keep-alive send times remembered (ring); at 10 Hz, 1.6 s of keep-alives awaiting their echo. */
const SENT_KEPT = 16;
const HOLD_UNIT = ConnectionWire.keepAliveHoldUnitSeconds;
const NO_ECHO = ConnectionWire.keepAliveNoEcho;

/** One link's keep-alive echo state: what we sent when, what to echo next. */
export class KeepAliveEcho {
  /** Connected keep-alive payload, rewritten for every send. */
  private readonly payload = new Uint8Array(ConnectionWire.keepAliveEchoPayloadBytes);
  private readonly view = new DataView(this.payload.buffer);
  private readonly sentSequence = new Float64Array(SENT_KEPT).fill(-1);
  private readonly sentTime = new Float64Array(SENT_KEPT);
  private echoSequence = -1;
  private echoReceived = 0;

  /**
   * The payload of a connected keep-alive that will go out with connection `sequence` at `now`:
   * slot and max clients (zeros from a client), then the echo of the peer's newest keep-alive.
   * Valid until the next call.
   */
  write(clientIndex: number, maxClients: number, sequence: number, now: number): Uint8Array {
    const v = this.view;
    v.setUint16(0, clientIndex, true);
    v.setUint16(2, maxClients, true);
    const hold = Math.round((now - this.echoReceived) / HOLD_UNIT);
    if (this.echoSequence >= 0 && hold >= 0 && hold < NO_ECHO) {
      v.setUint16(4, this.echoSequence % 65536, true);
      v.setUint16(6, hold, true);
    } else {
      v.setUint16(4, 0, true);
      v.setUint16(6, NO_ECHO, true);
    }
    this.echoSequence = -1; // each keep-alive is echoed once
    const slot = sequence % SENT_KEPT;
    this.sentSequence[slot] = sequence;
    this.sentTime[slot] = now;
    return this.payload;
  }

  /**
   * Takes a keep-alive received with connection `sequence` at `now`: remembers it for our next
   * echo and returns the RTT sample (seconds) its own echo gives, or `undefined` if it carries no
   * usable echo (the 4-byte form, nothing echoed, or an echo of a keep-alive we no longer know).
   */
  receive(payload: Uint8Array, sequence: number, now: number): number | undefined {
    if (sequence > this.echoSequence) {
      this.echoSequence = sequence;
      this.echoReceived = now;
    }
    if (payload.length !== ConnectionWire.keepAliveEchoPayloadBytes) return undefined;
    const hold = (payload[6] ?? 0) | ((payload[7] ?? 0) << 8);
    if (hold === NO_ECHO) return undefined;
    const echoed = (payload[4] ?? 0) | ((payload[5] ?? 0) << 8);
    for (let i = 0; i < SENT_KEPT; i++) {
      const sent = this.sentSequence[i] as number;
      if (sent < 0 || sent % 65536 !== echoed) continue;
      this.sentSequence[i] = -1; // one sample per keep-alive
      const rtt = now - (this.sentTime[i] as number) - hold * HOLD_UNIT;
      return rtt > 0 ? rtt : 0;
    }
    return undefined;
  }
}
