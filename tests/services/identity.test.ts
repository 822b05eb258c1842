/**
 * Identity end to end over real HTTP on a real SQLite file: health, guest login by device id,
 * register / login, refresh-token rotation, logout, expiry, display names, user lookup and friends
 * (with pushed requests).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEvents } from "./helpers/events";
import { call, guest, startServices, type Harness } from "./helpers/harness";

let h: Harness;
beforeEach(async () => {
  h = await startServices();
});
afterEach(async () => {
  await h.close();
});

describe("services identity", () => {
  it("answers /health with the version and store kind", async () => {
    const health = await call(h.url, "health");
    expect(health.status).toBe(200);
    expect(health.body.store).toBe("sqlite");
    expect(health.body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("logs a device in as the same guest every time", async () => {
    const deviceId = "device-0123456789-abcdef";
    const a = await call(h.url, "guestLogin", { body: { deviceId, displayName: "Ann" } });
    const b = await call(h.url, "guestLogin", { body: { deviceId } });
    expect(a.status).toBe(200);
    expect(b.body.user.id).toBe(a.body.user.id);
    expect(a.body.user.guest).toBe(true);
    const me = await call(h.url, "me", { token: b.body.session.accessToken });
    expect(me.body).toMatchObject({ id: a.body.user.id, displayName: "Ann", guest: true });
  });

  it("registers, refuses a taken username, logs in and refuses a wrong password", async () => {
    const reg = await call(h.url, "register", {
      body: { username: "Alice", password: "correct horse", displayName: "Al" },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toMatchObject({ username: "Alice", displayName: "Al", guest: false });
    const dup = await call(h.url, "register", { body: { username: "alice", password: "another one" } });
    expect(dup.status).toBe(409);
    expect(dup.error?.code).toBe("username_taken");
    const ok = await call(h.url, "login", { body: { username: "ALICE", password: "correct horse" } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(reg.body.user.id);
    const bad = await call(h.url, "login", { body: { username: "alice", password: "wrong horse" } });
    expect(bad.status).toBe(401);
    const unknown = await call(h.url, "login", { body: { username: "nobody", password: "whatever1" } });
    expect(unknown.status).toBe(401);
    expect(unknown.error?.message).toBe(bad.error?.message);
  });

  it("rotates refresh tokens: each works once, logout revokes", async () => {
    const u = await guest(h.url);
    const r1 = await call(h.url, "refresh", { body: { refreshToken: u.refreshToken } });
    expect(r1.status).toBe(200);
    expect((await call(h.url, "me", { token: r1.body.session.accessToken })).status).toBe(200);
    const replay = await call(h.url, "refresh", { body: { refreshToken: u.refreshToken } });
    expect(replay.status).toBe(401);
    const out = await call(h.url, "logout", {
      token: r1.body.session.accessToken,
      body: { refreshToken: r1.body.session.refreshToken },
    });
    expect(out.status).toBe(204);
    expect(
      (await call(h.url, "refresh", { body: { refreshToken: r1.body.session.refreshToken } })).status,
    ).toBe(401);
  });

  it("expires access tokens and refuses forged ones", async () => {
    const u = await guest(h.url);
    expect((await call(h.url, "me", { token: u.token })).status).toBe(200);
    const [v, payload, mac] = u.token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as { u: string; e: number };
    const forged = `${v}.${Buffer.from(JSON.stringify({ ...claims, e: claims.e + 1e9 })).toString("base64url")}.${mac}`;
    expect((await call(h.url, "me", { token: forged })).status).toBe(401);
    h.advance(16 * 60 * 1000);
    const expired = await call(h.url, "me", { token: u.token });
    expect(expired.status).toBe(401);
    expect(expired.error?.code).toBe("unauthorized");
    const renewed = await call(h.url, "refresh", { body: { refreshToken: u.refreshToken } });
    expect((await call(h.url, "me", { token: renewed.body.session.accessToken })).status).toBe(200);
  });

  it("changes display names and finds users", async () => {
    const u = await guest(h.url);
    const renamed = await call(h.url, "updateMe", { token: u.token, body: { displayName: "Zed" } });
    expect(renamed.body.displayName).toBe("Zed");
    const reg = await call(h.url, "register", { body: { username: "bob_1", password: "password1" } });
    const found = await call(h.url, "findUser", { token: u.token, query: { username: "BOB_1" } });
    expect(found.body).toEqual({ id: reg.body.user.id, displayName: "bob_1" });
    const byId = await call(h.url, "getUser", {
      token: reg.body.session.accessToken,
      params: { userId: u.id },
    });
    expect(byId.body).toEqual({ id: u.id, displayName: "Zed" });
    expect((await call(h.url, "getUser", { token: u.token, params: { userId: "missing" } })).status).toBe(
      404,
    );
  });

  it("requests, pushes, accepts, lists and removes friends", async () => {
    const a = await guest(h.url, "A");
    const b = await guest(h.url, "B");
    const bEvents = await openEvents(h.server.eventsUrl, b.token);
    const aEvents = await openEvents(h.server.eventsUrl, a.token);
    try {
      const req = await call(h.url, "requestFriend", { token: a.token, body: { userId: b.id } });
      expect(req.body.state).toBe("outgoing");
      expect((await bEvents.next("friend.request")).from).toEqual({ id: a.id, displayName: "A" });
      const incoming = await call(h.url, "listFriends", { token: b.token });
      expect(incoming.body.friends).toMatchObject([{ user: { id: a.id }, state: "incoming" }]);
      const acc = await call(h.url, "acceptFriend", { token: b.token, params: { userId: a.id } });
      expect(acc.body.state).toBe("friend");
      expect((await aEvents.next("friend.accepted")).user.id).toBe(b.id);
      const again = await call(h.url, "requestFriend", { token: a.token, body: { userId: b.id } });
      expect(again.error?.code).toBe("already_friends");
      expect((await call(h.url, "requestFriend", { token: a.token, body: { userId: a.id } })).status).toBe(
        400,
      );
      expect((await call(h.url, "removeFriend", { token: a.token, params: { userId: b.id } })).status).toBe(
        204,
      );
      expect((await call(h.url, "listFriends", { token: b.token })).body.friends).toEqual([]);
      expect((await call(h.url, "removeFriend", { token: a.token, params: { userId: b.id } })).status).toBe(
        404,
      );
    } finally {
      aEvents.close();
      bEvents.close();
    }
  });
});
