/**
 * `Networked`: the tag that makes a server entity replicated. Its replicated components (those
 * registered with `replicate`) are captured every tick and sent to the clients it is relevant
 * to; removing the tag (or the entity) despawns it on every client. A tag has no data, so one
 * object serves every world.
 */

/** Tag component: add it to a server entity to replicate it. */
export const Networked = {};
