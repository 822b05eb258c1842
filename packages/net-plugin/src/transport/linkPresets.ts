import { PERFECT_CONDITIONS, type LinkConditions } from "./linkConditions";

/**
 * Named link conditions for tests and demos. Each preset describes ONE direction; the number in the
 * name is the round-trip time when both directions use the preset, so `simulatedLatency` is half of
 * it. Loss percentages are per direction.
 */
export const LinkPresets = Object.freeze({
  /** No delay, no loss: the baseline every other preset is compared with. */
  PERFECT: PERFECT_CONDITIONS,
  /** Wired local network: ~1 ms round trip, tiny jitter, no loss. */
  LAN: Object.freeze<LinkConditions>({
    simulatedLatency: 0.5,
    jitter: 0.5,
    simulatedPacketLoss: 0,
    duplication: 0,
    reordering: 0,
    bandwidth: 0,
  }),
  /** Home broadband to a nearby data centre: 60 ms round trip, 5 ms jitter, 1 % loss, rare reordering. */
  BROADBAND_60MS_1PCT: Object.freeze<LinkConditions>({
    simulatedLatency: 30,
    jitter: 5,
    simulatedPacketLoss: 1,
    duplication: 0,
    reordering: 0.1,
    bandwidth: 0,
  }),
  /**
   * Mobile data: 150 ms round trip, 20 ms jitter, 5 % long-run loss arriving in bursts
   * (Gilbert–Elliott: 1 % good-state loss, bad state entered at 1 % and left at 20 % per datagram —
   * bursts of ~5 — with 85 % loss inside), some duplication and reordering, 1 Mbit/s (125 kB/s).
   */
  MOBILE_150MS_5PCT_BURSTY: Object.freeze<LinkConditions>({
    simulatedLatency: 75,
    jitter: 20,
    simulatedPacketLoss: 1,
    duplication: 0.5,
    reordering: 1,
    bandwidth: 125_000,
    burst: Object.freeze({ enterBad: 1, exitBad: 20, lossInBad: 85 }),
  }),
});

/** The name of a preset in {@link LinkPresets}. */
export type LinkPresetName = keyof typeof LinkPresets;
