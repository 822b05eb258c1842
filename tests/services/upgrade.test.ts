/**
 * Guest upgrade end to end: `POST /v1/auth/upgrade` gives a guest a username and password while
 * keeping its user id — and with it scores, saves and friends; the new pair logs in to the same
 * account; taken names, second upgrades, missing sessions and bad bodies are refused.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { befriend, call, guest, startServices, type Harness } from "./helpers/harness";

let h: Harness;
beforeEach(async () => {
  h = await startServices();
});
afterEach(async () => {
  await h.close();
});

describe("services guest upgrade", () => {
  it("keeps the user id, scores, saves and friends; the new password logs in to it", async () => {
    const g = await guest(h.url, "Gina");
    const friend = await guest(h.url, "Fred");
    await befriend(h.url, g, friend);
    await call(h.url, "setScore", { token: g.token, params: { board: "kills" }, body: { score: 42 } });
    const save = await call(h.url, "setSave", {
      token: g.token,
      params: { slot: "main" },
      body: {
        title: "t",
        description: "d",
        attachment: Buffer.from([0xc0]).toString("base64"),
        replace: true,
      },
    });
    expect(save.status).toBe(200);

    const up = await call(h.url, "upgrade", {
      token: g.token,
      body: { username: "gina", password: "a long passphrase" },
    });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ id: g.id, username: "gina", guest: false, displayName: "Gina" });

    const login = await call(h.url, "login", { body: { username: "GINA", password: "a long passphrase" } });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(g.id);
    const token = login.body.session.accessToken;
    const mine = await call(h.url, "getMyScore", { token, params: { board: "kills" } });
    expect(mine.body.entry?.score).toBe(42);
    expect((await call(h.url, "listSaves", { token })).body.saves.map((s) => s.slot)).toEqual(["main"]);
    expect((await call(h.url, "listFriends", { token })).body.friends.map((f) => f.user.id)).toEqual([
      friend.id,
    ]);
    // The old session stays valid.
    expect((await call(h.url, "me", { token: g.token })).body).toMatchObject({ id: g.id, guest: false });
    const wrong = await call(h.url, "login", { body: { username: "gina", password: "not the passphrase" } });
    expect(wrong.status).toBe(401);
  });

  it("refuses taken names, a second upgrade, no session and bad bodies", async () => {
    await call(h.url, "register", { body: { username: "Taken", password: "password-1" } });
    const g = await guest(h.url);
    const taken = await call(h.url, "upgrade", {
      token: g.token,
      body: { username: "taken", password: "password-2" },
    });
    expect(taken.status).toBe(409);
    expect(taken.error?.code).toBe("username_taken");
    const noSession = await call(h.url, "upgrade", { body: { username: "free", password: "password-3" } });
    expect(noSession.status).toBe(401);
    const short = await call(h.url, "upgrade", { token: g.token, body: { username: "free", password: "x" } });
    expect(short.status).toBe(400);
    expect(short.error?.field).toBe("body.password");
    const missing = await call(h.url, "upgrade", { token: g.token, body: { password: "password-4" } });
    expect(missing.status).toBe(400);
    expect(
      (await call(h.url, "upgrade", { token: g.token, body: { username: "free", password: "password-5" } }))
        .status,
    ).toBe(200);
    const again = await call(h.url, "upgrade", {
      token: g.token,
      body: { username: "other", password: "password-6" },
    });
    expect(again.error?.code).toBe("username_taken");
    expect((await call(h.url, "login", { body: { username: "other", password: "password-6" } })).status).toBe(
      401,
    );
  });
});
