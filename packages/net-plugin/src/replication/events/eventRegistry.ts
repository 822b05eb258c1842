/**
 * `EventRegistry`: Traktor's replicator events on a connection. Register types
 * (`addEventType`), listen (`addEventListener(type, (eventTime, from, event, relayed) => …)`),
 * send (`broadcastEvent`, `sendEventTo`, `sendEventToPrimary` with `inOrder`: reliable-ordered
 * channel or unreliable). Events carry the tick they happened at. A client's `broadcastEvent`
 * goes to the server marked as a broadcast; the server validates it like any event, dispatches
 * it, and relays it to every other client (`from` = the sender's slot, `relayed` = true), on the
 * channel it came in on. A validator per type can refuse received events: they are counted, and
 * the sender is told with a reject message that surfaces there through `onEventRejected`.
 * Received messages are copied in by `route` and listeners run only from `dispatch()` (the
 * Receive-set system), never from a socket callback. Decoding never throws: unknown types and
 * bad payloads are dropped and counted.
 */
import type { Tick } from "@canopy/core";
import { MessageInbox } from "../../time-sync/inbox";
import type { PeerLink } from "../../time-sync/peerLink";
import { EventChannels, EventLimits, EventWire } from "./constants";
import { EventBacklog } from "./eventBacklog";
import type {
  EventCounters,
  EventListener,
  EventRegistryOptions,
  EventRejectedListener,
  EventValidator,
} from "./eventApi";
import type { EventType } from "./eventType";
import {
  decodeEventHeader,
  decodeReason,
  encodeEventMessage,
  encodeRejectMessage,
  encodeRelayedMessage,
  isEventKind,
  type EventHeader,
} from "./eventMessages";

export type {
  EventCounters,
  EventListener,
  EventRegistryOptions,
  EventRejectedListener,
  EventValidator,
} from "./eventApi";

interface Entry {
  readonly id: number;
  readonly type: EventType<unknown>;
  readonly listeners: EventListener<unknown>[];
  validator: EventValidator<unknown> | undefined;
}

/** Typed events over a {@link PeerLink}. */
export class EventRegistry {
  /** The connection; set by the plugin. Sending without one throws. */
  link: PeerLink | undefined = undefined;
  /** Source of the current tick stamped on sent events (the plugin uses `FixedTime.tick`). */
  tickSource: () => number = () => 0;
  readonly counters: EventCounters = {
    eventsSent: 0,
    eventsReceived: 0,
    eventsInvalid: 0,
    eventsUnknownType: 0,
    eventsRejected: 0,
    rejectionsReceived: 0,
    eventsUnsent: 0,
    inboxDropped: 0,
    eventsRelayed: 0,
  };
  readonly reliableChannel: number;
  readonly unreliableChannel: number;
  private readonly entries: Entry[] = [];
  private readonly byName = new Map<string, Entry>();
  private readonly byType = new Map<EventType<unknown>, Entry>();
  private readonly rejectedListeners: EventRejectedListener[] = [];
  private readonly inbox = new MessageInbox(EventLimits.inboxCapacity, EventLimits.inboxBytes);
  private readonly backlog_ = new EventBacklog();
  private readonly header: EventHeader = {
    kind: 0,
    typeId: 0,
    tick: 0,
    from: -1,
    bodyOffset: 0,
    bodyLength: 0,
  };
  private described = false;

  constructor(options: EventRegistryOptions = {}) {
    this.reliableChannel = options.reliableChannel ?? EventChannels.reliable;
    this.unreliableChannel = options.unreliableChannel ?? EventChannels.unreliable;
  }

  /** Registers an event type (same order on every peer); returns its id. */
  addEventType<T>(type: EventType<T>): number {
    if (this.described)
      throw new Error(
        `EventRegistry.addEventType("${type.name}"): register event types before the protocol hash is taken (before the NetPlugin builds).`,
      );
    if (this.byName.has(type.name))
      throw new RangeError(`EventRegistry: event type "${type.name}" is already registered.`);
    if (this.entries.length >= EventWire.maxTypes)
      throw new RangeError(`EventRegistry: at most ${EventWire.maxTypes} event types.`);
    const entry: Entry = {
      id: this.entries.length,
      type: type,
      listeners: [],
      validator: undefined,
    };
    this.entries.push(entry);
    this.byName.set(type.name, entry);
    this.byType.set(entry.type, entry);
    return entry.id;
  }

  /** Calls `listener` for each received event of `type`; returns a function that removes it. */
  addEventListener<T>(type: EventType<T>, listener: EventListener<T>): () => void {
    const list = this.entry(type).listeners;
    const l = listener as EventListener<unknown>;
    list.push(l);
    return () => {
      const i = list.indexOf(l);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Sets (or clears) the validator of received events of `type` (server-side anti-cheat hook). */
  setEventValidator<T>(type: EventType<T>, validator: EventValidator<T> | undefined): void {
    this.entry(type).validator = validator as EventValidator<unknown> | undefined;
  }

  /** Calls `listener` when a peer rejects one of our events; returns a remover. */
  onEventRejected(listener: EventRejectedListener): () => void {
    this.rejectedListeners.push(listener);
    return () => {
      const i = this.rejectedListeners.indexOf(listener);
      if (i >= 0) this.rejectedListeners.splice(i, 1);
    };
  }

  /** Stable text of the registered types for the protocol hash; registration closes after it. */
  describe(): string {
    this.described = true;
    const types = this.entries.map((e) => `${e.id}:${e.type.name}:${e.type.codec.description}`).join(";");
    return `v${EventWire.version}|${types}`;
  }

  /**
   * Sends `event` to every connected peer; returns how many peers it was queued for. On a client
   * (a link whose primary relays) it goes to the server marked as a broadcast, and the server
   * relays it to every other client: the return value is then 1 (queued for the server) or 0.
   */
  broadcastEvent<T>(type: EventType<T>, event: T, inOrder: boolean): number {
    const link = this.requireLink("broadcastEvent");
    if (link.relaysBroadcasts === true && link.primary !== undefined) {
      const message = this.encode(type, event, inOrder, EventWire.broadcastKind);
      return link.isConnected(link.primary) && this.sendMessage(link, link.primary, message, inOrder) ? 1 : 0;
    }
    const message = this.encode(type, event, inOrder, EventWire.eventKind);
    let sent = 0;
    for (let peer = 0; peer < link.maxPeers; peer++) {
      if (link.isConnected(peer) && this.sendMessage(link, peer, message, inOrder)) sent++;
    }
    return sent;
  }

  /** Sends `event` to one peer; false if it was not queued (peer not connected, unreliable full). */
  sendEventTo<T>(peer: number, type: EventType<T>, event: T, inOrder: boolean): boolean {
    const link = this.requireLink("sendEventTo");
    const message = this.encode(type, event, inOrder, EventWire.eventKind);
    return link.isConnected(peer) && this.sendMessage(link, peer, message, inOrder);
  }

  /** Sends `event` to the primary peer (the server or host); false if there is none or it failed. */
  sendEventToPrimary<T>(type: EventType<T>, event: T, inOrder: boolean): boolean {
    const link = this.requireLink("sendEventToPrimary");
    const primary = link.primary;
    if (primary === undefined) return false;
    return this.sendEventTo(primary, type, event, inOrder);
  }

  /**
   * Copies a received message in if it is an event or reject (true); otherwise returns false.
   * `channel` is the one it arrived on (a relayed broadcast goes out on the same one; default:
   * the reliable channel).
   */
  route(
    peer: number,
    data: Uint8Array,
    offset = 0,
    length = data.length - offset,
    channel: number = this.reliableChannel,
  ): boolean {
    if (length <= 0 || !isEventKind(data[offset])) return false;
    if (!this.inbox.push(peer, data, offset, length, channel)) this.counters.inboxDropped++;
    return true;
  }

  /** Decodes, validates and dispatches every queued message to listeners (Receive set). */
  dispatch(): void {
    const inbox = this.inbox;
    while (inbox.next()) this.handle(inbox.peer, inbox.bytes, inbox.offset, inbox.length, inbox.tag);
  }

  /** Retries reliable events a full send window held back (Send set). */
  flush(): void {
    const link = this.link;
    if (link === undefined) return;
    this.counters.eventsSent += this.backlog_.flush(link, this.reliableChannel);
  }

  /** Reliable events waiting for a send window. */
  get backlog(): number {
    return this.backlog_.length;
  }

  private handle(peer: number, bytes: Uint8Array, offset: number, length: number, channel: number): void {
    const h = this.header;
    const link = this.link;
    const isServer = link !== undefined && link.primary === undefined;
    // Broadcasts go client → server, relayed copies server → client: anything else is malformed.
    if (
      !decodeEventHeader(bytes, h, offset, length) ||
      (h.kind === EventWire.broadcastKind && !isServer) ||
      (h.kind === EventWire.relayedKind && isServer)
    ) {
      this.counters.eventsInvalid++;
      return;
    }
    const entry = this.entries[h.typeId];
    if (entry === undefined) {
      this.counters.eventsUnknownType++;
      return;
    }
    const body = bytes.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength);
    if (h.kind === EventWire.rejectKind) {
      const reason = decodeReason(body);
      if (reason === undefined) {
        this.counters.eventsInvalid++;
        return;
      }
      this.counters.rejectionsReceived++;
      for (const l of this.rejectedListeners) l(entry.type.name, h.tick as Tick, reason, peer);
      return;
    }
    const event = entry.type.codec.decode(body);
    if (event === undefined) {
      this.counters.eventsInvalid++;
      return;
    }
    const tick = h.tick;
    const relayed = h.kind === EventWire.relayedKind;
    const from = relayed ? h.from : peer;
    if (entry.validator !== undefined) {
      const verdict = entry.validator(from, event);
      if (verdict !== true) {
        this.counters.eventsRejected++;
        // The relaying server is not the author: a client refusing a relayed event tells no one.
        if (relayed) return;
        const reason = typeof verdict === "string" ? verdict : "rejected";
        const reject = encodeRejectMessage(entry.id, tick, reason);
        if (link?.isConnected(peer) === true) this.sendMessage(link, peer, reject, true);
        return;
      }
    }
    this.counters.eventsReceived++;
    for (const l of entry.listeners) l(tick as Tick, from, event, relayed);
    if (h.kind === EventWire.broadcastKind && link !== undefined)
      this.relay(link, peer, entry.id, tick, body, channel);
  }

  /** Sends a client's validated broadcast to every other connected client, on the channel it came in on. */
  private relay(
    link: PeerLink,
    from: number,
    typeId: number,
    tick: number,
    payload: Uint8Array,
    channel: number,
  ): void {
    const message = encodeRelayedMessage(typeId, tick, from, payload);
    const inOrder = channel !== this.unreliableChannel;
    for (let peer = 0; peer < link.maxPeers; peer++) {
      if (peer !== from && link.isConnected(peer)) this.sendMessage(link, peer, message, inOrder);
    }
    this.counters.eventsRelayed++;
  }

  private entry<T>(type: EventType<T>): Entry {
    const e = this.byType.get(type);
    if (e === undefined)
      throw new RangeError(
        `EventRegistry: event type "${type.name}" is not registered; call addEventType first.`,
      );
    return e;
  }

  private requireLink(what: string): PeerLink {
    if (this.link === undefined)
      throw new Error(
        `EventRegistry.${what}: no connection yet; the NetPlugin sets registry.link when it builds.`,
      );
    return this.link;
  }

  private encode<T>(type: EventType<T>, event: T, inOrder: boolean, kind: number): Uint8Array {
    const entry = this.entry(type);
    const payload = entry.type.codec.encode(event);
    // A client's broadcast leaves room for the sender slot its relayed copy carries.
    const relayRoom =
      kind === EventWire.broadcastKind ? EventWire.relayedHeaderBytes - EventWire.headerBytes : 0;
    const max = (inOrder ? EventWire.maxReliablePayload : EventWire.maxUnreliablePayload) - relayRoom;
    if (payload.length > max)
      throw new RangeError(
        `Event "${type.name}": payload is ${payload.length} bytes, over the ${max}-byte limit for ${inOrder ? "reliable" : "unreliable (one packet); send it inOrder"} events.`,
      );
    return encodeEventMessage(entry.id, this.tickSource(), payload, kind);
  }

  private sendMessage(link: PeerLink, peer: number, message: Uint8Array, reliable: boolean): boolean {
    const channel = reliable ? this.reliableChannel : this.unreliableChannel;
    // A reliable event never overtakes one waiting in the backlog (in-order delivery).
    if ((!reliable || !this.backlog_.mustWait()) && link.canSend(peer, channel, message.length)) {
      link.send(peer, channel, message);
      this.counters.eventsSent++;
      return true;
    }
    if (!reliable) {
      this.counters.eventsUnsent++;
      return false;
    }
    this.backlog_.hold(peer, message);
    return true;
  }
}
