/**
 * Test doubles for the services client: a fake `fetch` that routes requests to a handler, and a
 * fake WebSocket whose open/message/close the test drives by hand. Both are plain in-memory
 * objects, so tests step the app with a ManualClock and decide exactly when I/O finishes.
 */
import type {
  WebSocketCloseLike,
  WebSocketLike,
  WebSocketMessageLike,
} from "../../../src/services/client/webSocketLike";

/** A request as the fake service sees it. */
export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
  token: string | undefined;
}

/** What the handler answers: a status and a JSON body (or an Error to make fetch reject). */
export type FakeAnswer = { status: number; body?: unknown } | Error;

/** A fetch that calls `handler` and records every request. */
export function fakeFetch(handler: (request: FakeRequest) => FakeAnswer) {
  const requests: FakeRequest[] = [];
  const fetch = (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const auth = new Headers(init.headers).get("authorization");
    const request: FakeRequest = {
      method: init.method ?? "GET",
      path: url.pathname + url.search,
      body: typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined,
      token: auth?.startsWith("Bearer ") ? auth.slice(7) : undefined,
    };
    requests.push(request);
    const answer = handler(request);
    if (answer instanceof Error) return Promise.reject(answer);
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    return Promise.resolve(new Response(text, { status: answer.status }));
  };
  return { fetch, requests };
}

/** A WebSocket the test drives: `open()`, `receive(json)`, `serverClose(code)`. */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: WebSocketMessageLike) => void) | null = null;
  onclose: ((event: WebSocketCloseLike) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: unknown[] = [];
  closedByClient = false;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static last(): FakeWebSocket {
    const socket = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (!socket) throw new Error("no FakeWebSocket was created");
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as unknown);
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: unknown): void {
    this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) });
  }

  serverClose(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** Lets pending promise callbacks (fake fetch answers) run. */
export async function flushIo(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A login answer for user `id` whose access token expires `ttlMs` after `now`. */
export function authAnswer(
  id: string,
  token: string,
  now: number,
  ttlMs = 900_000,
): { status: number; body: unknown } {
  return {
    status: 200,
    body: {
      user: { id, displayName: `player-${id}`, guest: true, createdAt: 0 },
      session: {
        accessToken: token,
        accessExpiresAt: now + ttlMs,
        refreshToken: `refresh-${token}`,
        refreshExpiresAt: now + 30 * 86_400_000,
      },
    },
  };
}
