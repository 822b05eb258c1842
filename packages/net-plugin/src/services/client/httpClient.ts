/**
 * JSON over HTTP for the services client, on the platform's `fetch` (global in browsers and
 * Node 20; injectable for tests). A request never rejects: it resolves to an outcome holding the
 * decoded value or a {@link ServiceError}, so callers only queue outcomes, never handle throws.
 */
import { errorFromResponse, ServiceError } from "./serviceError";

/** The `fetch` signature the client needs (`globalThis.fetch` satisfies it). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A finished request: the decoded value, or why it failed. */
export type HttpOutcome<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

/** Checks a decoded JSON body; returns the typed value or `undefined` when it has the wrong shape. */
export type Decoder<T> = (body: unknown) => T | undefined;

/** One HTTP request of the services API. */
export interface HttpRequest<T> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path under the base URL, with its query string, e.g. `/v1/leaderboards/x/scores?from=0`. */
  readonly path: string;
  readonly body?: unknown;
  /** Bearer session token; omitted for login calls. */
  readonly token?: string;
  readonly decode: Decoder<T>;
}

/** Sends JSON requests to one service base URL with a per-request timeout. */
export class HttpClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly fetchFn: FetchLike,
    /** Seconds before a request fails with "timeout". */
    private readonly timeoutSeconds: number,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** Sends the request; the promise always resolves, never rejects. */
  async send<T>(request: HttpRequest<T>): Promise<HttpOutcome<T>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
    let response: Response;
    try {
      response = await this.fetchFn(this.baseUrl + request.path, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.timeoutSeconds * 1000),
      });
    } catch (cause) {
      return { ok: false, error: networkError(cause, request) };
    }
    let body: unknown;
    try {
      const text = await response.text();
      body = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
    } catch (cause) {
      if (isTimeout(cause)) return { ok: false, error: timeoutError(request) };
      if (response.ok) return { ok: false, error: invalidResponse(request, "its body is not JSON") };
      body = undefined;
    }
    if (!response.ok) {
      return {
        ok: false,
        error: errorFromResponse(response.status, body, `${request.method} ${request.path}`),
      };
    }
    const value = request.decode(body);
    if (value === undefined) {
      return { ok: false, error: invalidResponse(request, "its body has an unexpected shape") };
    }
    return { ok: true, value };
  }
}

function isTimeout(cause: unknown): boolean {
  return cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
}

function timeoutError(request: HttpRequest<unknown>): ServiceError {
  return new ServiceError("timeout", `${request.method} ${request.path} got no answer in time`);
}

function invalidResponse(request: HttpRequest<unknown>, why: string): ServiceError {
  return new ServiceError("invalid_response", `${request.method} ${request.path} answered, but ${why}`);
}

function networkError(cause: unknown, request: HttpRequest<unknown>): ServiceError {
  if (isTimeout(cause)) return timeoutError(request);
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ServiceError(
    "unavailable",
    `${request.method} ${request.path} could not reach the service: ${detail}`,
  );
}
