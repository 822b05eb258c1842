/**
 * HTTPS and WSS: with `tls.cert` / `tls.key` set, the server answers only over TLS and the push
 * channel is WSS on the same port. The certificate is self-signed, made in the test with the
 * `openssl` CLI (node:crypto cannot create X.509 certificates).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEvents } from "./helpers/events";
import { startServices, type Harness } from "./helpers/harness";

let h: Harness;
let dir: string;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "canopy-tls-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  ca = readFileSync(cert, "utf8");
  h = await startServices({ tls: { cert, key } });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs or GETs JSON over HTTPS trusting only the test CA. */
function httpsJson(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, ca, headers: body === undefined ? {} : { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString("utf8")));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text.length > 0 ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe("services over TLS", () => {
  it("serves HTTPS and WSS with the configured certificate", async () => {
    expect(h.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(h.server.eventsUrl).toMatch(/^wss:\/\//);
    const health = await httpsJson(`${h.url}/health`, "GET");
    expect(health).toMatchObject({ status: 200, body: { store: "sqlite" } });
    const login = await httpsJson(`${h.url}/v1/auth/guest`, "POST", { deviceId: "tls-device-0123456789" });
    expect(login.status).toBe(200);
    const { user, session } = login.body as { user: { id: string }; session: { accessToken: string } };
    const events = await openEvents(h.server.eventsUrl, session.accessToken, { ca });
    expect(events.events[0]).toEqual({ type: "ready", userId: user.id });
    events.close();
  });

  it("refuses clients that do not trust the certificate, and plain HTTP", async () => {
    await expect(fetch(`${h.url}/health`)).rejects.toThrow();
    await expect(fetch(`${h.url.replace("https:", "http:")}/health`)).rejects.toThrow();
  });
});
