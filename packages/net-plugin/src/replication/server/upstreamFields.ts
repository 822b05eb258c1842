/**
 * Which replicated fields travel upstream (client authority): by registered name, default all of
 * them; the ownership fields (`canopy.owner`, `canopy.authority`) never do — a client cannot
 * change who owns an entity through its state.
 */
import type { ReplicatedField, ReplicationRegistry } from "../registry";

/** Client-authority defaults, each with its reason. */
export const UpstreamDefaults = {
  /** Upstream budget in bytes/s: 16 KiB/s carries a few moving transforms at 60 Hz with room for spawns. */
  bytesPerSecond: 16 * 1024,
  /**
   * Upstream states kept per side (power of two). 16 ticks ≈ 270 ms at 60 Hz, beyond usual ack
   * delays; the server's decoder ring has the same size, so the client only names baselines the
   * server still holds, and each side costs 16 × capacity × (stride + 2) × 4 bytes.
   */
  ringSize: 16,
} as const;

/**
 * The field mask (bit `field.index`) of `names` (default: every field), minus `excluded`. An
 * unknown or excluded name throws (local misuse).
 */
export function upstreamFieldMask(
  registry: ReplicationRegistry,
  excluded: readonly ReplicatedField[],
  names?: readonly string[],
): number {
  let mask = 0;
  if (names === undefined) {
    for (const f of registry.fields) mask |= 1 << f.index;
  } else {
    for (const name of names) {
      const f = registry.fields.find((field) => field.name === name);
      if (f === undefined || excluded.includes(f)) {
        const known = registry.fields
          .filter((field) => !excluded.includes(field))
          .map((field) => field.name)
          .join(", ");
        throw new RangeError(
          `upstreamFields: "${name}" is not a field that may be sent up; registered ones are: ${known}.`,
        );
      }
      mask |= 1 << f.index;
    }
  }
  for (const f of excluded) mask &= ~(1 << f.index);
  return mask;
}
