/**
 * What a LinkConditioner does to one direction of traffic. Every field states its unit; percentages
 * are 0..100. Zero everywhere is a perfect link.
 */
export interface LinkConditions {
  /** One-way delay added to every datagram, in milliseconds (≥ 0). */
  simulatedLatency: number;
  /**
   * Random extra delay, uniform in 0..jitter milliseconds (≥ 0). Jitter alone never reorders: a
   * datagram waits behind an earlier one that drew a longer delay, as in a real queue.
   */
  jitter: number;
  /** Chance each datagram is lost, in percent (0..100). With `burst`, the loss in the good state. */
  simulatedPacketLoss: number;
  /** Chance each delivered datagram arrives twice, in percent (0..100). */
  duplication: number;
  /** Chance a datagram is held back by `reorderDelay` so later ones overtake it, in percent (0..100). */
  reordering: number;
  /** Extra delay of a reordered datagram, in milliseconds (default 25; ≥ 0). */
  reorderDelay?: number;
  /** Link capacity in bytes per second; 0 means unlimited. Datagrams queue behind each other. */
  bandwidth: number;
  /** Bytes the bandwidth queue holds before it drops new datagrams (default 65536; ≥ 0). */
  queueLimit?: number;
  /** Bursty loss (Gilbert–Elliott two-state model); omitted means independent loss only. */
  burst?: BurstLoss;
}

/**
 * Gilbert–Elliott bursty loss: the link is *good* or *bad*; before each datagram it may switch
 * state, and a bad link loses datagrams at `lossInBad`. All three are percent chances (0..100),
 * evaluated per datagram. Mean burst length is 100 / exitBad datagrams; the long-run loss is
 * `(exitBad·loss + enterBad·lossInBad) / (enterBad + exitBad)` with `loss = simulatedPacketLoss`.
 */
export interface BurstLoss {
  /** Chance per datagram of going from good to bad, in percent. */
  enterBad: number;
  /** Chance per datagram of going from bad back to good, in percent. */
  exitBad: number;
  /** Chance a datagram is lost while the link is bad, in percent. */
  lossInBad: number;
}

/** Defaults for the optional fields, each with its reason. */
export const LinkConditionDefaults = {
  /** 25 ms pushes a reordered datagram behind the next one or two at game send rates (30–60 Hz). */
  REORDER_DELAY_MS: 25,
  /** 64 KiB: about 45 maximum-size datagrams, the buffer of a typical home router per flow. */
  QUEUE_LIMIT_BYTES: 65536,
} as const;

/** The perfect link: nothing delayed, lost, duplicated or reordered. */
export const PERFECT_CONDITIONS: Readonly<LinkConditions> = Object.freeze({
  simulatedLatency: 0,
  jitter: 0,
  simulatedPacketLoss: 0,
  duplication: 0,
  reordering: 0,
  bandwidth: 0,
});

/** Fills omitted fields with the perfect link's values and checks every field; throws naming a bad one. */
export function resolveLinkConditions(partial: Partial<LinkConditions> | undefined): LinkConditions {
  const c: LinkConditions = { ...PERFECT_CONDITIONS, ...partial };
  nonNegative("simulatedLatency", c.simulatedLatency, "ms");
  nonNegative("jitter", c.jitter, "ms");
  percent("simulatedPacketLoss", c.simulatedPacketLoss);
  percent("duplication", c.duplication);
  percent("reordering", c.reordering);
  nonNegative("bandwidth", c.bandwidth, "bytes per second (0 = unlimited)");
  if (c.reorderDelay !== undefined) nonNegative("reorderDelay", c.reorderDelay, "ms");
  if (c.queueLimit !== undefined) nonNegative("queueLimit", c.queueLimit, "bytes");
  if (c.burst !== undefined) {
    c.burst = { ...c.burst };
    percent("burst.enterBad", c.burst.enterBad);
    percent("burst.exitBad", c.burst.exitBad);
    percent("burst.lossInBad", c.burst.lossInBad);
  }
  return c;
}

function nonNegative(name: string, value: number, unit: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`LinkConditions.${name} must be a finite number ≥ 0 (${unit}), got ${value}.`);
  }
}

function percent(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new RangeError(`LinkConditions.${name} is a percentage: use 0..100, got ${value}.`);
  }
}
