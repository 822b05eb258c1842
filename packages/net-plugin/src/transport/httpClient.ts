import { NetApiConstants } from "./constants";

/** A request body with its content type (Traktor's `HttpRequestContent`). */
export class HttpRequestContent {
  private constructor(
    /** The bytes or text sent. */
    readonly body: Uint8Array<ArrayBuffer> | string,
    /** The `Content-Type` header sent with it. */
    readonly contentType: string,
  ) {}

  /** Plain text (UTF-8), `text/plain; charset=utf-8` unless another type is given. */
  static text(text: string, contentType = "text/plain; charset=utf-8"): HttpRequestContent {
    return new HttpRequestContent(text, contentType);
  }

  /** A value serialised with JSON.stringify, `application/json`; throws if it cannot be serialised. */
  static json(value: unknown): HttpRequestContent {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError(
        "HttpRequestContent.json: the value cannot be serialised (undefined or a function).",
      );
    }
    return new HttpRequestContent(text, "application/json");
  }

  /** Raw bytes (copied), `application/octet-stream` unless another type is given. */
  static bytes(bytes: Uint8Array, contentType = "application/octet-stream"): HttpRequestContent {
    return new HttpRequestContent(bytes.slice(), contentType);
  }
}

/** Per-request options. */
export interface HttpRequestOptions {
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Limit for the whole exchange (headers and body), in milliseconds; overrides the client's. */
  timeoutMs?: number;
  /** Cancels the request when aborted. */
  signal?: AbortSignal;
}

/** Options for an {@link HttpClient}. */
export interface HttpClientOptions {
  /** Default limit per request in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
}

/** A request that took longer than its limit; names the URL and the limit. */
export class HttpTimeoutError extends Error {
  override readonly name = "HttpTimeoutError";
  constructor(
    readonly method: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`HTTP ${method} ${url} timed out after ${timeoutMs} ms`);
  }
}

/** A request that got no HTTP response (refused, unreachable, reset, aborted). */
export class HttpRequestError extends Error {
  override readonly name = "HttpRequestError";
  constructor(
    readonly method: string,
    readonly url: string,
    reason: string,
    options?: { cause: unknown },
  ) {
    super(`HTTP ${method} ${url} failed: ${reason}`, options);
  }
}

/** The response to a request (Traktor's `HttpClientResult`); any status code is a result, not an error. */
export class HttpClientResult {
  constructor(
    private readonly response: Response,
    private readonly method: string,
    private readonly timeoutSignal: AbortSignal,
    private readonly timeoutMs: number,
  ) {}

  /** The HTTP status code, e.g. 200 or 404. */
  get statusCode(): number {
    return this.response.status;
  }

  /** True for 2xx status codes. */
  get ok(): boolean {
    return this.response.ok;
  }

  /** The response headers (case-insensitive `get`). */
  get headers(): Headers {
    return this.response.headers;
  }

  /** The final URL (after redirects). */
  get url(): string {
    return this.response.url;
  }

  /** The body as a byte stream (empty for bodiless responses); read it once, or use text/json/bytes. */
  get body(): ReadableStream<Uint8Array> {
    return this.response.body ?? new ReadableStream({ start: (controller) => controller.close() });
  }

  /** The whole body decoded as UTF-8 text. */
  text(): Promise<string> {
    return this.read(() => this.response.text());
  }

  /** The whole body parsed as JSON; rejects with an error naming the URL when it is not JSON. */
  async json(): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new HttpRequestError(this.method, this.response.url, "the response body is not valid JSON", {
        cause: error,
      });
    }
  }

  /** The whole body as bytes. */
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.read(() => this.response.arrayBuffer()));
  }

  private async read<T>(reader: () => Promise<T>): Promise<T> {
    try {
      return await reader();
    } catch (error) {
      if (this.timeoutSignal.aborted)
        throw new HttpTimeoutError(this.method, this.response.url, this.timeoutMs);
      throw new HttpRequestError(this.method, this.response.url, "the body could not be read", {
        cause: error,
      });
    }
  }
}

/**
 * A small promise-based HTTP client over `fetch` (Traktor's `HttpClient`): `get`, `post`, `put`, with
 * timeouts. Network failures reject with {@link HttpRequestError}, timeouts with
 * {@link HttpTimeoutError}; every HTTP status is a result.
 */
export class HttpClient {
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = checkTimeout(options.timeoutMs ?? NetApiConstants.HTTP_DEFAULT_TIMEOUT_MS);
    this.headers = { ...options.headers };
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** GET `url`. */
  get(url: string | URL, options?: HttpRequestOptions): Promise<HttpClientResult> {
    return this.request("GET", url, undefined, options);
  }

  /** POST `content` (optional) to `url`. */
  post(
    url: string | URL,
    content?: HttpRequestContent,
    options?: HttpRequestOptions,
  ): Promise<HttpClientResult> {
    return this.request("POST", url, content, options);
  }

  /** PUT `content` (optional) to `url`. */
  put(
    url: string | URL,
    content?: HttpRequestContent,
    options?: HttpRequestOptions,
  ): Promise<HttpClientResult> {
    return this.request("PUT", url, content, options);
  }

  private async request(
    method: string,
    url: string | URL,
    content: HttpRequestContent | undefined,
    options: HttpRequestOptions = {},
  ): Promise<HttpClientResult> {
    const target = parseUrl(url, method);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs);
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal =
      options.signal === undefined ? timeoutSignal : AbortSignal.any([timeoutSignal, options.signal]);
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (content !== undefined) headers["content-type"] = content.contentType;
    try {
      const response = await this.fetchImpl(target, { method, headers, body: content?.body, signal });
      return new HttpClientResult(response, method, timeoutSignal, timeoutMs);
    } catch (error) {
      if (timeoutSignal.aborted) throw new HttpTimeoutError(method, target, timeoutMs);
      if (options.signal?.aborted === true)
        throw new HttpRequestError(method, target, "aborted", { cause: error });
      throw new HttpRequestError(method, target, describeFetchError(error), { cause: error });
    }
  }
}

function parseUrl(url: string | URL, method: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
    return parsed.href;
  } catch {
    throw new TypeError(
      `HttpClient.${method.toLowerCase()}: "${String(url)}" is not an http:// or https:// URL.`,
    );
  }
}

function checkTimeout(timeoutMs: number): number {
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new RangeError(
      `HttpClient: timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`,
    );
  }
  return timeoutMs;
}

/** fetch wraps the real reason (`ECONNREFUSED`, DNS failure…) in `cause`; surface it. */
function describeFetchError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : undefined;
  if (code === "ECONNREFUSED") return "connection refused — is a server listening there? (ECONNREFUSED)";
  if (code === "ENOTFOUND") return "host name not found (ENOTFOUND)";
  if (code !== undefined) return `${cause instanceof Error ? cause.message : code} (${code})`;
  return error instanceof Error ? error.message : String(error);
}
