/** `Replicated`: the tag every entity spawned from a snapshot carries on the client (query it). */

/** Tag component of client entities created by replication. */
export const Replicated = {};
