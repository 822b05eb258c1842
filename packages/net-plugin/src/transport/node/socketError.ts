/** Why a raw socket operation failed: `code` is Node's errno code (`ECONNREFUSED`, …) or `ETIMEDOUT`. */
export class SocketError extends Error {
  override readonly name = "SocketError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A readable SocketError for a failed `what` (e.g. "connect to 127.0.0.1:80"), keeping Node's code. */
export function socketErrorFrom(what: string, error: unknown): SocketError {
  const code =
    typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
      ? error.code
      : "EIO";
  const detail = READABLE[code] ?? (error instanceof Error ? error.message : String(error));
  return new SocketError(`${what} failed: ${detail} (${code})`, code);
}

const READABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused — is a server listening on that port?",
  ECONNRESET: "connection reset by the peer",
  EPIPE: "the peer closed the connection",
  EADDRINUSE: "address already in use — pick another port or use 0 for any",
  EADDRNOTAVAIL: "address not available on this machine",
  ENOTFOUND: "host name not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** Rejects with a SocketError `ETIMEDOUT` after `timeoutMs`, unless `promise` settles first. */
export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number | undefined,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  if (timeoutMs === undefined) return promise;
  if (!(timeoutMs > 0)) throw new RangeError(`${what}: timeoutMs must be > 0, got ${timeoutMs}.`);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new SocketError(`${what} timed out after ${timeoutMs} ms`, "ETIMEDOUT"));
    }, timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
