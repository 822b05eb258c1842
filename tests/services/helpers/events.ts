/**
 * A push-channel client for tests: opens the WebSocket, authenticates, and collects events with
 * `next(type)` waiting (bounded) for the next event of a type.
 */
import WebSocket from "ws";
import type { PushEvent } from "@canopy/net-plugin/server";

/** An authenticated push socket. */
export interface EventSocket {
  events: PushEvent[];
  next<T extends PushEvent["type"]>(type: T, timeoutMs?: number): Promise<Extract<PushEvent, { type: T }>>;
  close(): void;
}

/** Opens and authenticates a push socket (resolves after `ready`). */
export async function openEvents(
  eventsUrl: string,
  token: string,
  options: WebSocket.ClientOptions = {},
): Promise<EventSocket> {
  const ws = new WebSocket(eventsUrl, options);
  const events: PushEvent[] = [];
  const waiters: { type: string; resolve: (e: PushEvent) => void }[] = [];
  let taken = 0;
  ws.on("message", (data: WebSocket.RawData) => {
    const event = JSON.parse(Buffer.isBuffer(data) ? data.toString("utf8") : "") as PushEvent;
    events.push(event);
    const i = waiters.findIndex((w) => w.type === event.type);
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      taken = events.length;
      w?.resolve(event);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const socket: EventSocket = {
    events,
    next: (type, timeoutMs = 5000) => {
      const seen = events.slice(taken).find((e) => e.type === type);
      if (seen !== undefined) {
        taken = events.indexOf(seen) + 1;
        return Promise.resolve(seen as never);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no "${type}" event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.type))}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e as never);
          },
        });
      });
    },
    close: () => ws.close(),
  };
  ws.send(JSON.stringify({ type: "auth", token }));
  await socket.next("ready");
  return socket;
}
