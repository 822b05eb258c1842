/**
 * The browser client in a real browser: headless Chromium (tests/browser/chromium.ts) runs a bundle of
 * tests/browser/fixtures/client.ts — NetClient over `connectWebSocket` from `@canopy/net-plugin/client`,
 * i.e. Chromium's native WebSocket — against a NetServer on `listenWebSocket` in this process.
 */
import {
  ChannelKind,
  DEFAULT_CHANNELS,
  generateConnectToken,
  encodeConnectToken,
  NetServer,
} from "@canopy/net-plugin";
import { listenWebSocket, nodeAead } from "@canopy/net-plugin/server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture, type FixtureBundle } from "./bundle";
import { launchChromium } from "./chromium";
import type { CanopyFixture, FixtureParams, FixtureReport } from "./fixtures/client";

const KEY = new Uint8Array(32).fill(0x5a);
const PROTOCOL_ID = 0xb205e2n;
const MESSAGES = 40;
/** Generous: each step takes a few frames on loopback; the machine may be loaded. */
const STEP_TIMEOUT_S = 10;
const RELIABLE_ORDERED = DEFAULT_CHANNELS.findIndex((c) => c.kind === ChannelKind.ReliableOrdered);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let browser: Browser;
let bundle: FixtureBundle;
beforeAll(async () => {
  [browser, bundle] = await Promise.all([launchChromium(), bundleFixture("client.ts")]);
}, 30_000);
afterAll(async () => {
  await browser?.close();
});

/** A fresh page holding the fixture bundle; page errors are collected for assertions. */
async function openFixturePage(errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.setContent("<!doctype html><title>canopy browser client</title>");
  await page.addScriptTag({ content: bundle.code });
  return page;
}

const report = (page: Page): Promise<FixtureReport> =>
  page.evaluate(() => (globalThis as unknown as { canopyFixture: CanopyFixture }).canopyFixture.report());

/** Runs the server's frame loop until `done()` or the step timeout; returns `done()`. */
async function serve(server: NetServer, done: () => boolean | Promise<boolean>): Promise<boolean> {
  const start = performance.now();
  while (!(await done()) && performance.now() - start < STEP_TIMEOUT_S * 1000) {
    server.update(performance.now() / 1000);
    server.receivePackets();
    server.sendPackets();
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
  return done();
}

async function exchange(aead: FixtureParams["aead"]): Promise<void> {
  const transport = await listenWebSocket({ host: "127.0.0.1", port: 0 });
  const server = new NetServer(transport, {
    protocolId: PROTOCOL_ID,
    privateKey: KEY,
    publicAddresses: [transport.url],
    aead: nodeAead, // Node's native cipher on this side: the browser's AEAD must agree byte for byte
  });
  const errors: string[] = [];
  const page = await openFixturePage(errors);
  try {
    const token = generateConnectToken(
      {
        protocolId: PROTOCOL_ID,
        clientId: 7,
        serverAddresses: [transport.url],
        expireSeconds: 30,
        timeoutSeconds: 5,
      },
      KEY,
    );
    const params: FixtureParams = {
      url: transport.url,
      token: encodeConnectToken(token.bytes),
      messages: MESSAGES,
      aead,
    };
    await page.evaluate(
      (p) => (globalThis as unknown as { canopyFixture: CanopyFixture }).canopyFixture.start(p),
      params,
    );

    const fromClient: string[] = [];
    const echoes: string[] = [];
    const disconnects: string[] = [];
    let slot = -1;
    const drain = (): void => {
      for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) {
        if (e.type === "connected") {
          slot = e.client;
          expect(e.clientId).toBe(7n);
          for (let i = 0; i < MESSAGES; i++) server.send(slot, RELIABLE_ORDERED, encoder.encode(`s:${i}`));
        } else if (e.type === "disconnected") {
          disconnects.push(e.reason);
        } else if (e.channel === RELIABLE_ORDERED) {
          const text = decoder.decode(e.data);
          (text.startsWith("e:") ? echoes : fromClient).push(text);
        }
      }
    };

    let seen: FixtureReport | undefined;
    const allDelivered = async (): Promise<boolean> => {
      drain();
      seen = await report(page);
      return (
        fromClient.length === MESSAGES && echoes.length === MESSAGES && seen.received.length === MESSAGES
      );
    };
    expect(await serve(server, allDelivered), JSON.stringify({ seen, errors })).toBe(true);
    const indices = Array.from({ length: MESSAGES }, (_, i) => i);
    expect(fromClient).toEqual(indices.map((i) => `c:${i}`));
    expect(echoes).toEqual(indices.map((i) => `e:${i}`));
    expect(seen?.received).toEqual(indices.map((i) => `s:${i}`));
    expect(seen?.states).toEqual(["sendingRequest", "sendingResponse", "connected"]);
    expect(seen?.clientIndex).toBe(slot);
    expect(seen?.error).toBeUndefined();
    expect(seen?.aeadCalls).toBeGreaterThan(0); // the chosen AEAD, not a default, sealed the traffic
    expect(server.connectedClients).toBe(1);

    await page.evaluate(() =>
      (globalThis as unknown as { canopyFixture: CanopyFixture }).canopyFixture.stop(),
    );
    expect(
      await serve(server, () => {
        drain();
        return disconnects.length > 0;
      }),
    ).toBe(true);
    expect(disconnects).toEqual(["disconnected"]);
    expect(server.connectedClients).toBe(0);
    const final = await report(page);
    expect(final.disconnectReason).toBe("disconnected");
    expect(final.states.at(-1)).toBe("disconnected");
    expect(final.closeCode).toBe(1000);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
    server.close();
    await transport.close();
  }
}

describe("browser client in headless Chromium (@canopy/net-plugin/client)", () => {
  it("bundles for the browser without any node:* module or Node-only file", () => {
    expect(bundle.inputs.filter((f) => f.startsWith("node:") || /\/node\//.test(f))).toEqual([]);
    expect(bundle.inputs).toContain("packages/net-plugin/src/transport/browser/webSocketClient.ts");
  });

  it("connects over the native WebSocket and exchanges reliable-ordered messages (portable AEAD)", async () => {
    await exchange("portable");
  });

  it("does the same with libsodium's WebAssembly AEAD in the page", async () => {
    await exchange("sodium");
  });

  it("offers WebGL 2 through SwiftShader (the arena renders with it)", async () => {
    const page = await browser.newPage();
    try {
      const gl = await page.evaluate(() => {
        const context = document.createElement("canvas").getContext("webgl2");
        if (context === null) return { type: typeof WebGL2RenderingContext, created: false };
        const debug = context.getExtension("WEBGL_debug_renderer_info");
        // A real draw: clear to a colour and read the pixel back.
        context.clearColor(1, 0.5, 0, 1);
        context.clear(context.COLOR_BUFFER_BIT);
        const pixel = new Uint8Array(4);
        context.readPixels(0, 0, 1, 1, context.RGBA, context.UNSIGNED_BYTE, pixel);
        return {
          type: typeof WebGL2RenderingContext,
          created: true,
          version: String(context.getParameter(context.VERSION)),
          renderer: String(context.getParameter(debug?.UNMASKED_RENDERER_WEBGL ?? context.RENDERER)),
          pixel: Array.from(pixel),
        };
      });
      expect(gl.type).toBe("function");
      expect(gl.created).toBe(true);
      expect(gl.version).toMatch(/^WebGL 2\.0/);
      expect(gl.renderer).toMatch(/SwiftShader/);
      expect(gl.pixel).toEqual([255, 128, 0, 255]);
    } finally {
      await page.close();
    }
  });
});
