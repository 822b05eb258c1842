/**
 * Joins time sync (when installed) and the event registry (when given) to a connection, on the
 * server and on a client alike: each gets the peer link to send on and a router, so the
 * replication receive system hands it its messages. Events are installed after replication's
 * systems, so listeners run once this frame's snapshots are in.
 */
import type { App } from "@canopy/core";
import type { EventRegistry } from "../../replication/events/eventRegistry";
import { installEvents } from "../../replication/events/systems";
import type { MessageRouter } from "../../replication/server/serverReplication";
import { Receive, Send } from "../../replication/sets";
import type { PeerLink } from "../../time-sync/peerLink";

/** What a time-sync state offers the connection (server and client states alike). */
interface RoutedTimeSync {
  link: PeerLink | undefined;
  route(peer: number, data: Uint8Array, offset?: number, length?: number): boolean;
}

/** Gives `sync` and `events` the link and a router each (in that order: time sync routes first). */
export function wirePeerMessages(
  app: App,
  link: PeerLink,
  routers: MessageRouter[],
  sync: RoutedTimeSync | undefined,
  events: EventRegistry | undefined,
): void {
  if (sync !== undefined) {
    sync.link = link;
    routers.push((peer, buffer, offset, length) => sync.route(peer, buffer, offset, length));
  }
  if (events !== undefined) {
    installEvents(app, events, { receive: Receive, send: Send });
    events.link = link;
    routers.push((peer, buffer, offset, length, channel) =>
      events.route(peer, buffer, offset, length, channel),
    );
  }
}
