/**
 * Events as an ECS resource and systems. The plugin's receive dispatcher routes every message
 * whose first byte is an event kind (`isEventMessage`) with `registry.route(peer, data)` and sets
 * `registry.link`; `installEvents` stamps sent events with `FixedTime.tick`.
 *
 * | stage      | set     | system           | does                                               |
 * | ---------- | ------- | ---------------- | -------------------------------------------------- |
 * | PreUpdate  | Receive | `dispatchEvents` | decode, validate, call listeners, surface rejects |
 * | PostUpdate | Send    | `flushEvents`    | retry reliable events a full window held back      |
 */
import {
  defineResource,
  FixedTime,
  getResource,
  Stage,
  type App,
  type AppWorld,
  type SystemSet,
} from "@canopy/core";
import { type EventRegistry } from "./eventRegistry";

/** The app's event registry (Traktor's replicator events). */
export const Events = defineResource<EventRegistry>("Events");

/** Receive set: dispatches every event received this frame to its listeners. */
export function dispatchEvents(world: AppWorld): void {
  getResource(world, Events).dispatch();
}

/** Send set: sends reliable events that waited for a send window. */
export function flushEvents(world: AppWorld): void {
  getResource(world, Events).flush();
}

/** Sets the event systems join (the plugin's Receive and Send sets). */
export interface EventSets {
  receive: SystemSet;
  send: SystemSet;
}

/**
 * Inserts `registry` as the `Events` resource, stamps its events with `FixedTime.tick` and adds
 * the two systems. Register every event type before the protocol hash is taken.
 */
export function installEvents(app: App, registry: EventRegistry, sets: EventSets): EventRegistry {
  app.insertResource(Events, registry);
  const fixed = app.getResource(FixedTime);
  registry.tickSource = () => fixed.tick;
  app.addSystems(Stage.PreUpdate, { run: dispatchEvents, name: "dispatchEvents", in: sets.receive });
  app.addSystems(Stage.PostUpdate, { run: flushEvents, name: "flushEvents", in: sets.send });
  return registry;
}
