/**
 * HTTPS + WSS: the real services server with a self-signed certificate (a test fixture valid until
 * 2126, for 127.0.0.1) and a client that trusts it through `createNodeFetch({ ca })` and
 * `createNodeWebSocket({ ca })`; a client that does not trust it cannot log in.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createNodeFetch, createNodeWebSocket } from "@canopy/net-plugin/server";
import { createClient, nextEvent, runUntil, settle, TestServices, type TestClient } from "./harness";

const cert = readFileSync(new URL("./fixtures/test-cert.pem", import.meta.url), "utf8");
const key = readFileSync(new URL("./fixtures/test-key.pem", import.meta.url), "utf8");

let services: TestServices;
const clients: TestClient[] = [];

beforeEach(async () => {
  services = new TestServices();
  await services.start({ tls: { cert, key } });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.app.dispose();
  await services.dispose();
});

it("logs in over HTTPS and receives pushes over WSS when it trusts the certificate", async () => {
  expect(services.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const a = createClient(services.url, {
    fetch: createNodeFetch({ ca: cert }),
    webSocket: createNodeWebSocket({ ca: cert }),
  });
  clients.push(a);
  await runUntil(clients, () => a.session.connected && a.session.achievements.ready, "login over TLS");
  const from = a.events.length;
  await settle(clients, a.session.achievements.set("first-win", true), "unlock over TLS");
  const pushed = await nextEvent(clients, a, "achievement.unlocked", from);
  expect(pushed.achievement.id).toBe("first-win");
});

it("cannot log in when it does not trust the certificate", async () => {
  const a = createClient(services.url, { deviceId: undefined, webSocket: createNodeWebSocket() });
  clients.push(a);
  const login = a.session.identity.loginAsGuest("untrusting-device-0123456789");
  await runUntil(clients, () => !login.pending, "the login attempt");
  expect(login.error?.code).toBe("unavailable");
  expect(a.session.connected).toBe(false);
});
