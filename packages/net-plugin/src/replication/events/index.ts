/**
 * replication/events — Traktor's replicator events: typed, schema-checked payloads sent
 * reliable-ordered (`inOrder`) or unreliable, stamped with their tick, validated on receipt.
 */
export { EventChannels, EventLimits, EventWire } from "./constants";
export {
  defineEvent,
  defineEventWithCodec,
  schemaCodec,
  type EventCodec,
  type EventOf,
  type EventType,
} from "./eventType";
export {
  decodeEventHeader,
  decodeReason,
  encodeEventMessage,
  encodeRejectMessage,
  isEventMessage,
  type EventHeader,
} from "./eventMessages";
export {
  EventRegistry,
  type EventCounters,
  type EventListener,
  type EventRegistryOptions,
  type EventRejectedListener,
  type EventValidator,
} from "./eventRegistry";
export { dispatchEvents, Events, flushEvents, installEvents, type EventSets } from "./systems";
