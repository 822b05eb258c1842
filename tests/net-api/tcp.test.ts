import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SocketError, TcpServer, TcpSocket } from "@canopy/net-plugin/server";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A node:net echo server on an ephemeral loopback port. */
async function echoServer(): Promise<number> {
  const server = net.createServer((socket) => socket.pipe(socket));
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

describe("TcpSocket", () => {
  it("echoes bytes and text through a real node:net server", async () => {
    const port = await echoServer();
    await using socket = await TcpSocket.connect("127.0.0.1", port, { timeoutMs: 2000 });
    expect(socket.remotePort).toBe(port);
    await socket.send(Uint8Array.of(1, 2, 3));
    expect(await socket.recvExactly(3)).toEqual(Uint8Array.of(1, 2, 3));
    await socket.send("hé");
    expect(new TextDecoder().decode(await socket.recvExactly(3))).toBe("hé");
  });

  it("streams a 4 MiB payload intact, with recv sizes capped by maxBytes", async () => {
    const port = await echoServer();
    await using socket = await TcpSocket.connect("127.0.0.1", port);
    const payload = new Uint8Array(4 << 20);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 11)) & 0xff;
    const sending = socket.send(payload);
    const received = new Uint8Array(payload.length);
    let filled = 0;
    while (filled < payload.length) {
      const chunk = await socket.recv(50_000, 5000);
      expect(chunk).toBeDefined();
      expect(chunk!.byteLength).toBeLessThanOrEqual(50_000);
      received.set(chunk!, filled);
      filled += chunk!.byteLength;
    }
    await sending;
    expect(Buffer.compare(received, payload)).toBe(0); // toEqual is slow on megabytes
  });

  it("returns undefined from recv once the peer has closed and everything was read", async () => {
    await using server = await TcpServer.listen(0);
    const connecting = TcpSocket.connect("127.0.0.1", server.port);
    const accepted = await server.accept();
    await using client = await connecting;
    await accepted.send("bye");
    await accepted.close();
    expect(new TextDecoder().decode(await client.recvExactly(3))).toBe("bye");
    expect(await client.recv()).toBeUndefined();
    expect(await client.recv()).toBeUndefined();
  });

  it("times out a recv with a readable error and still receives later data", async () => {
    await using server = await TcpServer.listen(0);
    const connecting = TcpSocket.connect("127.0.0.1", server.port);
    await using accepted = await server.accept();
    await using client = await connecting;
    await expect(client.recv(10, 50)).rejects.toThrow(/recv from 127\.0\.0\.1:\d+ timed out after 50 ms/);
    await accepted.send(Uint8Array.of(9));
    expect(await client.recv(10, 2000)).toEqual(Uint8Array.of(9));
  });

  it("gives a readable error when the connection is refused", async () => {
    const server = await TcpServer.listen(0);
    const port = server.port;
    await server.close();
    const error = await TcpSocket.connect("127.0.0.1", port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe("ECONNREFUSED");
    expect((error as Error).message).toMatch(/connect to 127\.0\.0\.1:\d+ failed: connection refused/);
  });

  it("rejects bad connect arguments naming the fix", async () => {
    await expect(TcpSocket.connect("127.0.0.1", 1, { timeoutMs: -5 })).rejects.toThrow(
      /timeoutMs must be > 0/,
    );
    await expect(TcpSocket.connect("127.0.0.1", 0)).rejects.toThrow(/1\.\.65535/);
  });

  it("rejects send after close and closes a server with accepted connections", async () => {
    const server = await TcpServer.listen(0);
    const client = await TcpSocket.connect("127.0.0.1", server.port);
    const accepted = await server.accept();
    await client.close();
    await expect(client.send("x")).rejects.toThrow(/closed|EPIPE/);
    await server.close();
    expect(await accepted.recv()).toBeUndefined();
  });
});

describe("TcpServer", () => {
  it("rejects a pending accept when closed", async () => {
    const server = await TcpServer.listen(0);
    const pending = server.accept();
    await server.close();
    await expect(pending).rejects.toThrow(/server was closed/);
    await expect(server.accept()).rejects.toThrow(/server is closed/);
  });
});
