/**
 * The services client's guest upgrade against the real server: `identity.upgrade(username,
 * password)` keeps the account (id and score), updates `session.user`, fails with
 * `username_taken` for a taken name, and the new pair logs in to the same account.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClient, runUntil, settle, TestServices, type TestClient } from "./harness";

let services: TestServices;
const clients: TestClient[] = [];

function client(options: Parameters<typeof createClient>[1] = {}): TestClient {
  const c = createClient(services.url, options);
  clients.push(c);
  return c;
}

const connected = (c: TestClient) =>
  runUntil(clients, () => c.session.connected && c.session.achievements.ready, "login and push channel");

beforeEach(async () => {
  services = new TestServices();
  await services.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.app.dispose();
  await services.dispose();
});

describe("SessionManager: guest upgrade", () => {
  it("upgrades a guest in place; the new password logs in to the same account", async () => {
    const taker = client({
      deviceId: undefined,
      credentials: { kind: "register", username: "taken_name", password: "password-1" },
    });
    await connected(taker);
    const g = client();
    await connected(g);
    const id = g.session.user?.id;
    expect(g.session.user?.guest).toBe(true);
    await settle(clients, g.session.leaderboards.setScore("kills", 9), "guest score");

    const refused = g.session.identity.upgrade("TAKEN_NAME", "password-2");
    await runUntil(clients, () => !refused.pending, "refused upgrade");
    expect(refused.failed).toBe(true);
    expect(refused.error?.code).toBe("username_taken");
    expect(g.session.user?.guest).toBe(true);
    expect(() => g.session.identity.upgrade("ok_name", "x")).toThrow(/password must be/);

    const user = await settle(clients, g.session.identity.upgrade("gina_g", "a long passphrase"), "upgrade");
    expect(user).toMatchObject({ id, username: "gina_g", guest: false });
    expect(g.session.user).toMatchObject({ id, username: "gina_g", guest: false });

    await settle(clients, g.session.identity.logout(), "logout");
    g.session.identity.login("gina_g", "a long passphrase");
    await connected(g);
    expect(g.session.user?.id).toBe(id);
    const mine = await settle(clients, g.session.leaderboards.getMyScore("kills"), "own score");
    expect(mine).toMatchObject({ score: 9, user: { id } });
  });
});
