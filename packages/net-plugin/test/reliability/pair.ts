/**
 * Test helper: two ReliableEndpoints joined by a seeded in-memory pipe with loss, latency,
 * jitter (which reorders) and duplication, driven by a manual clock.
 */
import { createRng, ManualClock } from "@canopy/core";
import { ReliableEndpoint, type ReliableEndpointOptions } from "../../src/reliability/index";

export interface PipeConditions {
  /** One-way latency in seconds. */
  latency?: number;
  /** Extra uniform random delay 0..jitter seconds (reorders packets). */
  jitter?: number;
  /** Loss probability 0..1. */
  loss?: number;
  /** Duplication probability 0..1. */
  duplicate?: number;
}

interface InFlight {
  at: number;
  order: number;
  to: 0 | 1;
  data: Uint8Array;
}

/** Two endpoints `a` and `b` over a lossy pipe; `step(dt)` runs one frame for both. */
export function createPair(
  seed: number,
  conditions: PipeConditions = {},
  options: Partial<ReliableEndpointOptions> = {},
) {
  const rng = createRng(seed);
  const clock = new ManualClock();
  const wire: InFlight[] = [];
  let order = 0;
  const drop = { next: 0 };
  const enqueue = (to: 0 | 1) => (bytes: Uint8Array) => {
    if (drop.next > 0) {
      drop.next--;
      return;
    }
    if (rng.chance(conditions.loss ?? 0)) return;
    const copies = rng.chance(conditions.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = clock.now() + (conditions.latency ?? 0) + rng.range(0, conditions.jitter ?? 0);
      wire.push({ at, order: order++, to, data: bytes.slice() });
    }
  };
  const a = new ReliableEndpoint({ ...options, transmit: enqueue(1) });
  const b = new ReliableEndpoint({ ...options, transmit: enqueue(0) });
  const endpoints = [a, b] as const;
  const deliver = () => {
    wire.sort((x, y) => x.at - y.at || x.order - y.order);
    while (wire.length > 0 && (wire[0] as InFlight).at <= clock.now() + 1e-9) {
      const p = wire.shift() as InFlight;
      endpoints[p.to].receivePacket(p.data);
    }
  };
  return {
    a,
    b,
    clock,
    wire,
    drop,
    /** Advances time by dt, delivers due packets, updates both and writes their packets. */
    step: (dt: number): void => {
      clock.advance(dt);
      a.update(clock.now());
      b.update(clock.now());
      deliver();
      a.writePackets();
      b.writePackets();
    },
  };
}
