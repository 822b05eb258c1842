/**
 * The shapes of the event registry's API: listener, validator and rejection callbacks, counters
 * and options (re-exported by eventRegistry.ts).
 */
import type { Tick } from "@canopy/core";

/**
 * Called for each received event of a type: the tick it happened at, the sender, the payload, and
 * whether the server relayed it from another client. On the server `from` is the sender's client
 * slot. On a client `from` is `SERVER_PEER` (0) for the server's own events, and for relayed ones
 * (`relayed` true) the original sender's slot as the server numbers them — slot 0 and the server
 * are both 0, so tell them apart with `relayed`.
 */
export type EventListener<T> = (eventTime: Tick, from: number, event: T, relayed: boolean) => void;
/** Decides on a received event: `true` accepts, `false` or a reason string rejects it. */
export type EventValidator<T> = (from: number, event: T) => boolean | string;
/** Called on the sender when a peer rejected one of its events. */
export type EventRejectedListener = (type: string, eventTime: Tick, reason: string, from: number) => void;

/** Counters of an `EventRegistry`. */
export interface EventCounters {
  eventsSent: number;
  eventsReceived: number;
  /** Malformed event or reject messages (short header, bad payload, bad reason), dropped. */
  eventsInvalid: number;
  /** Events of a type id this registry does not have, dropped. */
  eventsUnknownType: number;
  /** Received events our validators refused. */
  eventsRejected: number;
  /** Rejections of our own events reported by peers. */
  rejectionsReceived: number;
  /** Unreliable events not sent because the link could not take them (peer gone, queue full). */
  eventsUnsent: number;
  /** Received messages dropped because the inbox was full. */
  inboxDropped: number;
  /** Clients' broadcasts this server relayed (counted once per broadcast, not per recipient). */
  eventsRelayed: number;
}

/** Options of an `EventRegistry`. */
export interface EventRegistryOptions {
  /** Channel for `inOrder` events: reliable-ordered (default: channel 0 of the default layout). */
  reliableChannel?: number;
  /** Channel for other events: unreliable (default: channel 3 of the default layout). */
  unreliableChannel?: number;
}
