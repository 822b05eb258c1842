/**
 * Time sync as ECS resources and systems. The plugin's receive dispatcher routes every message
 * whose first byte is a time-sync kind (`isTimeSyncMessage`) into the resource's inbox with
 * `route(peer, data)`, and sets `link` once the connection exists.
 *
 * | side   | stage      | set      | system                 |
 * | ------ | ---------- | -------- | ---------------------- |
 * | client | PreUpdate  | Receive  | `receiveTimeSyncPongs` |
 * | client | PostUpdate | Send     | `sendTimeSyncPings`    |
 * | server | PreUpdate  | Receive  | `answerTimeSyncPings`  |
 * | server | PostUpdate | Send     | `anchorServerTick`     |
 *
 * `installTimeSyncClient(app, sets)` / `installTimeSyncServer(app, sets)` add them. Time is
 * `Time.now` (the frame's clock reading); the server tick is `FixedTime.tick + accumulator/dt`,
 * anchored by `answerTimeSyncPings` when pings wait (`anchorServerTick` keeps its name and
 * place but only prunes departed peers: anchoring every frame cost floating-point boxes).
 */
import {
  defineResource,
  FixedTime,
  getResource,
  Stage,
  Time,
  type App,
  type AppWorld,
  type SystemSet,
} from "@canopy/core";
import { DEFAULT_CHANNELS, ChannelKind } from "../reliability/channels";
import { TimeSyncWire, type TimeSyncOptions } from "./constants";
import { MessageInbox } from "./inbox";
import { isTimeSyncKind } from "./messages";
import type { PeerLink } from "./peerLink";
import { TimeSyncClient } from "./timeSyncClient";
import { TimeSyncServer } from "./timeSyncServer";

/** Inbox capacity: far above one frame of pongs/pings for a full server (rate limits apply before). */
const INBOX_CAPACITY = 4096;
/** Inbox bytes: every message of a full inbox at the larger (pong) size. */
const INBOX_BYTES = INBOX_CAPACITY * TimeSyncWire.pongBytes;

/** The default unreliable channel (index of the `unreliable` kind in DEFAULT_CHANNELS). */
export const TIME_SYNC_CHANNEL = DEFAULT_CHANNELS.findIndex((c) => c.kind === ChannelKind.Unreliable);

/** Client-side resource: the estimator, its inbox and the link to the server. */
export class TimeSyncClientState {
  readonly sync: TimeSyncClient;
  readonly inbox = new MessageInbox(INBOX_CAPACITY, INBOX_BYTES);
  /** The connection; `undefined` (or disconnected) pauses pings. */
  link: PeerLink | undefined = undefined;
  /** Channel for pings: must be unreliable (default: the default layout's unreliable channel). */
  channel = TIME_SYNC_CHANNEL;
  /** Whether the server link was up at the last send; a new connection starts a fresh estimate. */
  private wasConnected = false;

  constructor(options?: TimeSyncOptions) {
    this.sync = new TimeSyncClient(options);
  }

  /** Tracks the link; on a (re)connection forgets the previous server's samples. True if connected. */
  updateConnection(connected: boolean): boolean {
    if (connected && !this.wasConnected) this.sync.reset();
    this.wasConnected = connected;
    return connected;
  }

  /** Queues (copies) `data` if it is a time-sync message (true), else leaves it to another router (false). */
  route(peer: number, data: Uint8Array, offset = 0, length = data.length - offset): boolean {
    if (length <= 0 || !isTimeSyncKind(data[offset])) return false;
    this.inbox.push(peer, data, offset, length);
    return true;
  }
}

/** Server-side resource: the answerer, its inbox and the link to the clients. */
export class TimeSyncServerState {
  readonly sync: TimeSyncServer;
  readonly inbox = new MessageInbox(INBOX_CAPACITY, INBOX_BYTES);
  /** The connection; `undefined` drops pings unanswered. */
  link: PeerLink | undefined = undefined;
  /** Channel for pongs (unreliable). */
  channel = TIME_SYNC_CHANNEL;

  constructor(tickRate: number) {
    this.sync = new TimeSyncServer(tickRate);
  }

  /** Queues (copies) `data[offset, offset + length)` if it is a time-sync message (true), else returns false. */
  route(peer: number, data: Uint8Array, offset = 0, length = data.length - offset): boolean {
    if (length <= 0 || !isTimeSyncKind(data[offset])) return false;
    this.inbox.push(peer, data, offset, length);
    return true;
  }
}

/** The client's time-sync resource. */
export const TimeSyncClientResource = defineResource<TimeSyncClientState>("TimeSyncClient");
/** The server's time-sync resource. */
export const TimeSyncServerResource = defineResource<TimeSyncServerState>("TimeSyncServer");

/** Client, Receive set: turns routed pongs into clock samples. */
export function receiveTimeSyncPongs(world: AppWorld): void {
  const s = getResource(world, TimeSyncClientResource);
  const now = getResource(world, Time).now;
  const inbox = s.inbox;
  while (inbox.next()) s.sync.receiveAt(inbox.view, inbox.offset, inbox.length, now);
}

/** Client, Send set: sends a ping when one is due and the server link is up. */
export function sendTimeSyncPings(world: AppWorld): void {
  const s = getResource(world, TimeSyncClientResource);
  const link = s.link;
  const server = link?.primary;
  const up = link !== undefined && server !== undefined && link.isConnected(server);
  if (!s.updateConnection(up) || link === undefined || server === undefined) return;
  if (!s.sync.preparePing(getResource(world, Time).now)) return;
  const ping = s.sync.pingBytes;
  if (link.canSend(server, s.channel, ping.length)) link.send(server, s.channel, ping, ping.length);
}

/**
 * Server, Receive set: answers every routed ping with a pong. Before the first answer of the
 * frame it anchors the tick clock: in PreUpdate, `FixedTime` still holds the end of the previous
 * frame (tick + accumulator/dt), reached at that frame's time, `Time.now − Time.delta`. Anchoring
 * only when pings are waiting keeps frames without pings free of floating-point work.
 */
export function answerTimeSyncPings(world: AppWorld): void {
  const s = getResource(world, TimeSyncServerResource);
  const inbox = s.inbox;
  if (inbox.size === 0) return;
  const time = getResource(world, Time);
  const fixed = getResource(world, FixedTime);
  const now = time.now;
  s.sync.setTickReference(fixed.tick + fixed.accumulator / fixed.dt, now - time.delta);
  const link = s.link;
  const pong = s.sync.pongBytes;
  while (inbox.next()) {
    const peer = inbox.peer;
    if (!s.sync.answerAt(peer, inbox.view, inbox.offset, inbox.length, now)) continue;
    if (link?.canSend(peer, s.channel, pong.length) === true) link.send(peer, s.channel, pong, pong.length);
  }
}

/** Server, Send set: forgets the latency stats of departed clients (their slots may be reused). */
export function anchorServerTick(world: AppWorld): void {
  const s = getResource(world, TimeSyncServerResource);
  const link = s.link;
  if (link !== undefined) s.sync.prune(link);
}

/** Sets the time-sync systems join (the plugin's Receive and Send sets). */
export interface TimeSyncSets {
  receive: SystemSet;
  send: SystemSet;
}

/** Inserts the client resource and adds the client systems; returns the resource. */
export function installTimeSyncClient(
  app: App,
  sets: TimeSyncSets,
  options?: TimeSyncOptions,
): TimeSyncClientState {
  const state = app.insertResource(TimeSyncClientResource, new TimeSyncClientState(options));
  app.addSystems(Stage.PreUpdate, {
    run: receiveTimeSyncPongs,
    name: "receiveTimeSyncPongs",
    in: sets.receive,
  });
  app.addSystems(Stage.PostUpdate, { run: sendTimeSyncPings, name: "sendTimeSyncPings", in: sets.send });
  return state;
}

/** Inserts the server resource (tick rate from `FixedTime.hz`) and adds the server systems. */
export function installTimeSyncServer(app: App, sets: TimeSyncSets): TimeSyncServerState {
  const state = app.insertResource(
    TimeSyncServerResource,
    new TimeSyncServerState(app.getResource(FixedTime).hz),
  );
  app.addSystems(Stage.PreUpdate, {
    run: answerTimeSyncPings,
    name: "answerTimeSyncPings",
    in: sets.receive,
  });
  app.addSystems(Stage.PostUpdate, { run: anchorServerTick, name: "anchorServerTick", in: sets.send });
  return state;
}
