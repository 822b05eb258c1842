/**
 * A `fetch` for the services client in Node that trusts extra certificate authorities, e.g. the
 * self-signed certificate of a services server run with TLS in development. Node's global fetch
 * only trusts the system store (or `NODE_EXTRA_CA_CERTS` set before start-up); this one takes the
 * CA per client. Plain `http://` URLs work too. Browsers use their own fetch and trust store.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { FetchLike } from "../../client/httpClient";

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /** Extra trusted CA certificate(s) (PEM), e.g. the service's self-signed certificate. */
  ca?: string | Buffer | (string | Buffer)[];
}

/** A `fetch` over `node:http`/`node:https` with the given trusted CAs (honours `init.signal`). */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const body = typeof init.body === "string" ? init.body : undefined;
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const request = send(
        url,
        { method: init.method ?? "GET", headers, ca: options.ca },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === "string") responseHeaders.set(name, value);
            }
            const empty = status === 204 || status === 304;
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
          });
        },
      );
      const signal = init.signal;
      if (signal) {
        if (signal.aborted) request.destroy(signal.reason as Error);
        else signal.addEventListener("abort", () => request.destroy(signal.reason as Error), { once: true });
      }
      request.on("error", reject);
      request.end(body);
    });
}
