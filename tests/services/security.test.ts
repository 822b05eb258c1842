/**
 * Security rules of the services server, each proven over real HTTP: every user route needs a
 * session (401) and every server route the server key; bodies are validated (400 naming the field);
 * rate limits per user and per address (429); nobody writes another user's score; passwords and
 * refresh tokens never appear in the logs or the database file; oversized bodies are refused from
 * their Content-Length before being read (413); the push socket needs a valid token.
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { Routes, WS_CLOSE_UNAUTHORIZED, type RouteName } from "@canopy/net-plugin/server";
import { call, guest, startServices, type Harness } from "./helpers/harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Sends raw bytes and resolves with the first response head. */
function rawRequest(url: string, head: string, body = ""): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head + body));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (data.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on("error", reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within 5 s; got ${JSON.stringify(data)}`));
    }, 5000).unref();
  });
}

describe("services security", () => {
  it("answers 401 on every user route without a valid session and every server route without the key", async () => {
    h = await startServices();
    const params = { userId: "u", board: "kills", id: "first-blood", slot: "s", lobbyId: "l", serverId: "g" };
    const names = Object.keys(Routes) as RouteName[];
    let checked = 0;
    for (const name of names) {
      const route = Routes[name];
      if (route.auth === "none") continue;
      const body = route.method === "GET" || route.method === "DELETE" ? undefined : {};
      const missing = await call(h.url, name, { params, body });
      expect(missing.status, name).toBe(401);
      expect(missing.error?.code, name).toBe("unauthorized");
      const bogus = await call(h.url, name, {
        params,
        body,
        token: "v1.e30.AAAA",
        serverKey: "bogus-key-bogus-key",
      });
      expect(bogus.status, name).toBe(401);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    expect((await call(h.url, "health")).status).toBe(200);
  });

  it("validates bodies and names the bad field", async () => {
    h = await startServices();
    const missing = await call(h.url, "register", { body: { username: "carol" } });
    expect(missing.status).toBe(400);
    expect(missing.error).toMatchObject({ code: "bad_request", field: "body.password" });
    const short = await call(h.url, "register", { body: { username: "carol", password: "short" } });
    expect(short.error?.field).toBe("body.password");
    const pattern = await call(h.url, "register", {
      body: { username: "bad name!", password: "longenough" },
    });
    expect(pattern.error?.field).toBe("body.username");
    const u = await guest(h.url);
    const lobby = await call(h.url, "createLobby", {
      token: u.token,
      body: { maxParticipants: 0, access: "public" },
    });
    expect(lobby.error?.field).toBe("body.maxParticipants");
    const access = await call(h.url, "createLobby", {
      token: u.token,
      body: { maxParticipants: 2, access: "secret" },
    });
    expect(access.error?.field).toBe("body.access");
    const query = await call(h.url, "getGlobalScores", {
      token: u.token,
      params: { board: "kills" },
      query: { count: 1000 },
    });
    expect(query.error?.field).toBe("querystring.count");
    const broken = await fetch(`${h.url}/v1/auth/guest`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  it("rate-limits per user (429) without starving other users, and refills over time", async () => {
    h = await startServices({ rateLimit: { perUser: { capacity: 3, refillPerSecond: 1 } } });
    const a = await guest(h.url);
    const b = await guest(h.url);
    for (let i = 0; i < 3; i++) expect((await call(h.url, "me", { token: a.token })).status).toBe(200);
    const limited = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await call(h.url, "me", { token: b.token })).status).toBe(200);
    h.clock.advance(1);
    expect((await call(h.url, "me", { token: a.token })).status).toBe(200);
  });

  it("rate-limits per address, logins harder", async () => {
    h = await startServices({
      rateLimit: {
        perAddress: { capacity: 6, refillPerSecond: 1 },
        authPerAddress: { capacity: 2, refillPerSecond: 0.1 },
      },
    });
    const login = () => call(h!.url, "login", { body: { username: "nobody", password: "whatever1" } });
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await call(h.url, "health")).status).toBe(200);
    const health = await call(h.url, "health");
    expect(health.status).toBe(429);
    expect(health.error?.code).toBe("rate_limited");
  });

  it("never lets a user write another user's score", async () => {
    h = await startServices();
    const a = await guest(h.url);
    const b = await guest(h.url);
    await call(h.url, "setScore", {
      token: a.token,
      params: { board: "kills" },
      body: { score: 5, userId: b.id },
    });
    expect(
      (await call(h.url, "getMyScore", { token: b.token, params: { board: "kills" } })).body.entry,
    ).toBeNull();
    expect(
      (await call(h.url, "getMyScore", { token: a.token, params: { board: "kills" } })).body.entry?.score,
    ).toBe(5);
  });

  it("keeps passwords and refresh tokens out of logs and the database file", async () => {
    h = await startServices({ logLevel: "trace" });
    const password = "Sup3r-Secret-Pa55word-4f9a";
    const reg = await call(h.url, "register", { body: { username: "dave", password } });
    await call(h.url, "login", { body: { username: "dave", password } });
    await call(h.url, "login", { body: { username: "dave", password: `${password}x` } });
    await call(h.url, "register", { body: { username: "dave", password } });
    const logs = h.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain("/v1/auth/login");
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(reg.body.session.refreshToken);
    expect(logs).not.toContain(reg.body.session.accessToken);
    const files = [h.dbPath, `${h.dbPath}-wal`].map((f) => {
      try {
        return readFileSync(f).toString("latin1");
      } catch {
        return "";
      }
    });
    const bytes = files.join("");
    expect(bytes).toContain("dave");
    expect(bytes).not.toContain(password);
    expect(bytes).not.toContain(reg.body.session.refreshToken);
    expect(bytes).toMatch(/scrypt\$1024\$8\$1\$/);
  });

  it("refuses an oversized body from its Content-Length, before reading it (413)", async () => {
    h = await startServices({ bodyLimitBytes: 2048, saves: { maxAttachmentBytes: 4096 } });
    const u = await guest(h.url);
    const host = new URL(h.url).host;
    // Announce 50 MB, send none of it: the answer must come without the body.
    const head = (path: string, method: string) =>
      `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${u.token}\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n`;
    expect(await rawRequest(h.url, head("/v1/saves/big", "PUT"), "{")).toMatch(/^HTTP\/1.1 413/);
    expect(await rawRequest(h.url, head("/v1/lobbies", "POST"), "{")).toMatch(/^HTTP\/1.1 413/);
    const big = await call(h.url, "updateMe", { token: u.token, body: { displayName: "x".repeat(5000) } });
    expect(big.status).toBe(413);
    expect(big.error?.code).toBe("payload_too_large");
  });

  it("closes push sockets that do not authenticate", async () => {
    h = await startServices();
    const closeCode = (send?: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(h!.server.eventsUrl);
        ws.on("open", () => {
          if (send !== undefined) ws.send(send);
        });
        ws.on("close", (code) => resolve(code));
        ws.on("error", reject);
      });
    expect(await closeCode(JSON.stringify({ type: "auth", token: "v1.e30.AAAA" }))).toBe(
      WS_CLOSE_UNAUTHORIZED,
    );
    expect(await closeCode("not json")).toBe(WS_CLOSE_UNAUTHORIZED);
    const u = await guest(h.url);
    h.advance(16 * 60 * 1000);
    expect(await closeCode(JSON.stringify({ type: "auth", token: u.token }))).toBe(WS_CLOSE_UNAUTHORIZED);
  });

  it("rate-limits new push sockets per address (429)", async () => {
    h = await startServices({ rateLimit: { perAddress: { capacity: 2, refillPerSecond: 0.001 } } });
    const status = () =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(h!.server.eventsUrl);
        ws.on("open", () => {
          ws.close();
          resolve(101);
        });
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("error", () => undefined);
      });
    expect(await status()).toBe(101);
    expect(await status()).toBe(101);
    expect(await status()).toBe(429);
  });
});
