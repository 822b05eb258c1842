/**
 * Test harness for the reliability checklist: two ReliableEndpoints over an in-memory loopback
 * network, each side's outbound traffic shaped by a seeded LinkConditioner, all on a ManualClock.
 * Everything comes from the public `@canopy/net-plugin` entry point.
 */
import { ManualClock } from "@canopy/core";
import {
  createLoopbackNetwork,
  LinkConditioner,
  readPacketHeader,
  BitReader,
  createPacketHeader,
  ReliableEndpoint,
  type LinkConditions,
  type ReliableEndpointOptions,
} from "@canopy/net-plugin";

/** The 16-bit sequence in a packet's header (bytes 1..2, little-endian). */
export function sequenceOf(packet: Uint8Array): number {
  const header = createPacketHeader();
  readPacketHeader(new BitReader(packet), header);
  return header.sequence;
}

/** Options for {@link createLink}. */
export interface LinkOptions {
  seed: number;
  /** Conditions of a→b traffic. */
  aToB?: Partial<LinkConditions>;
  /** Conditions of b→a traffic (default: same as a→b). */
  bToA?: Partial<LinkConditions>;
  /** Extra endpoint options for a and b. */
  a?: Partial<ReliableEndpointOptions>;
  b?: Partial<ReliableEndpointOptions>;
}

/** Two endpoints over a conditioned loopback link; `step(dt)` runs one frame on both sides. */
export function createLink(options: LinkOptions) {
  const clock = new ManualClock();
  const network = createLoopbackNetwork();
  const ta = new LinkConditioner(network.bind("a"), {
    clock,
    seed: options.seed,
    outbound: options.aToB ?? {},
  });
  const tb = new LinkConditioner(network.bind("b"), {
    clock,
    seed: options.seed + 1,
    outbound: options.bToA ?? options.aToB ?? {},
  });
  /** Sequences of a's packets that b processed, in arrival order. */
  const receivedByB: number[] = [];
  const a = new ReliableEndpoint({ ...options.a, transmit: (p) => ta.send(tb.localAddress, p) });
  const b = new ReliableEndpoint({ ...options.b, transmit: (p) => tb.send(ta.localAddress, p) });
  const pump = () => {
    for (let d = ta.poll(); d !== undefined; d = ta.poll()) a.receivePacket(d.data);
    for (let d = tb.poll(); d !== undefined; d = tb.poll()) {
      receivedByB.push(sequenceOf(d.data));
      b.receivePacket(d.data);
    }
  };
  return {
    a,
    b,
    clock,
    ta,
    tb,
    receivedByB,
    /** Advances the clock by dt, updates both endpoints, delivers due packets, writes packets. */
    step: (dt: number): void => {
      clock.advance(dt);
      a.update(clock.now());
      b.update(clock.now());
      pump();
      a.writePackets();
      b.writePackets();
    },
    close: async (): Promise<void> => {
      await ta.close();
      await tb.close();
    },
  };
}
