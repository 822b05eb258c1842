import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient, HttpRequestContent, HttpRequestError, HttpTimeoutError } from "@canopy/net-plugin";

let server: http.Server;
let base = "";

/** A real node:http server: /echo reflects method, headers and body; /status/N; /slow; /stall-body; /big. */
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (url.pathname === "/echo") {
        res.setHeader("content-type", "application/json");
        res.setHeader("x-canopy", "yes");
        res.end(
          JSON.stringify({
            method: req.method,
            contentType: req.headers["content-type"] ?? null,
            custom: req.headers["x-custom"] ?? null,
            body: body.toString("base64"),
          }),
        );
      } else if (url.pathname.startsWith("/status/")) {
        res.statusCode = Number(url.pathname.slice(8));
        res.end(`status ${res.statusCode}`);
      } else if (url.pathname === "/slow") {
        setTimeout(() => res.end("late"), 2000).unref();
      } else if (url.pathname === "/stall-body") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial");
        setTimeout(() => res.end(), 2000).unref();
      } else if (url.pathname === "/big") {
        const big = Buffer.alloc(2 << 20);
        for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
        res.end(big);
      } else if (url.pathname === "/not-json") {
        res.end("{oops");
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Echo {
  method: string;
  contentType: string | null;
  custom: string | null;
  body: string;
}
const decode = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");

describe("HttpClient", () => {
  const client = new HttpClient({ headers: { "x-custom": "default" } });

  it("GETs with status code, headers and JSON body", async () => {
    const result = await client.get(`${base}/echo`);
    expect(result.statusCode).toBe(200);
    expect(result.ok).toBe(true);
    expect(result.headers.get("X-Canopy")).toBe("yes");
    const echo = (await result.json()) as Echo;
    expect(echo).toMatchObject({ method: "GET", contentType: null, custom: "default" });
  });

  it("POSTs JSON and PUTs text and bytes with their content types", async () => {
    const posted = (await (
      await client.post(`${base}/echo`, HttpRequestContent.json({ score: 7 }))
    ).json()) as Echo;
    expect(posted).toMatchObject({ method: "POST", contentType: "application/json" });
    expect(JSON.parse(decode(posted.body))).toEqual({ score: 7 });
    const put = (await (
      await client.put(`${base}/echo`, HttpRequestContent.text("héllo"), { headers: { "x-custom": "mine" } })
    ).json()) as Echo;
    expect(put).toMatchObject({ method: "PUT", contentType: "text/plain; charset=utf-8", custom: "mine" });
    expect(decode(put.body)).toBe("héllo");
    const bytes = (await (
      await client.post(`${base}/echo`, HttpRequestContent.bytes(Uint8Array.of(0, 255, 1)))
    ).json()) as Echo;
    expect(bytes.contentType).toBe("application/octet-stream");
    expect([...Buffer.from(bytes.body, "base64")]).toEqual([0, 255, 1]);
  });

  it("returns non-2xx status codes as results, not errors", async () => {
    const notFound = await client.get(`${base}/status/404`);
    expect(notFound.statusCode).toBe(404);
    expect(notFound.ok).toBe(false);
    expect(await notFound.text()).toBe("status 404");
    expect((await client.post(`${base}/status/503`)).statusCode).toBe(503);
  });

  it("streams a 2 MiB body through the ReadableStream", async () => {
    const result = await client.get(`${base}/big`);
    const reader = result.body.getReader();
    let total = 0;
    let ok = true;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      for (let i = 0; i < r.value.length; i++) if (r.value[i] !== ((total + i) & 0xff)) ok = false;
      total += r.value.length;
    }
    expect(total).toBe(2 << 20);
    expect(ok).toBe(true);
    expect((await (await client.get(`${base}/big`)).bytes()).byteLength).toBe(2 << 20);
  });

  it("times out waiting for headers with an error naming the URL and the limit", async () => {
    const error = await client.get(`${base}/slow`, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect((error as Error).message).toBe(`HTTP GET ${base}/slow timed out after 100 ms`);
    expect((error as HttpTimeoutError).timeoutMs).toBe(100);
  });

  it("times out a body that stalls", async () => {
    const result = await new HttpClient({ timeoutMs: 150 }).get(`${base}/stall-body`);
    expect(result.statusCode).toBe(200);
    await expect(result.text()).rejects.toThrow(HttpTimeoutError);
  });

  it("gives a readable error when the connection is refused", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await client.get(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as Error).message).toMatch(
      /HTTP GET http:\/\/127\.0\.0\.1:\d+\/ failed: connection refused/,
    );
  });

  it("reports invalid JSON, user aborts and misuse clearly", async () => {
    await expect((await client.get(`${base}/not-json`)).json()).rejects.toThrow(/not valid JSON/);
    const controller = new AbortController();
    const pending = client.get(`${base}/slow`, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(/failed: aborted/);
    await expect(client.get("ftp://example.com/")).rejects.toThrow(/not an http:\/\/ or https:\/\/ URL/);
    expect(() => new HttpClient({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => HttpRequestContent.json(undefined)).toThrow(/cannot be serialised/);
  });
});
