import { afterEach, describe, expect, it } from "vitest";
import { SocketError, UdpSocket } from "@canopy/net-plugin/server";
import { canBindIpv6Loopback } from "../transport/helpers";

const sockets: UdpSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});
const bind = async (port: number, address: string): Promise<UdpSocket> => {
  const socket = await UdpSocket.bind(port, address);
  sockets.push(socket);
  return socket;
};
const ipv6 = await canBindIpv6Loopback();

describe("UdpSocket", () => {
  it("echoes datagrams: sendTo and recvFrom with the sender's address and port", async () => {
    const server = await bind(0, "127.0.0.1");
    const client = await bind(0, "127.0.0.1");
    const echo = (async () => {
      for (let i = 0; i < 3; i++) {
        const { data, address, port } = await server.recvFrom({ timeoutMs: 2000 });
        await server.sendTo(data, address, port);
      }
    })();
    for (const text of ["one", "two", "three"]) await client.sendTo(text, "127.0.0.1", server.port);
    const replies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await client.recvFrom({ timeoutMs: 2000 });
      expect(reply.address).toBe("127.0.0.1");
      expect(reply.port).toBe(server.port);
      replies.push(new TextDecoder().decode(reply.data));
    }
    await echo;
    expect(replies.sort()).toEqual(["one", "three", "two"]);
  });

  it.skipIf(!ipv6)("works over IPv6 loopback", async () => {
    const server = await bind(0, "::1");
    const client = await bind(0, "::1");
    await client.sendTo(Uint8Array.of(6), "::1", server.port);
    const got = await server.recvFrom({ timeoutMs: 2000 });
    expect(got).toMatchObject({ address: "::1", port: client.port, data: Uint8Array.of(6) });
  });

  it("carries a 60 000-byte datagram intact", async () => {
    const server = await bind(0, "127.0.0.1");
    const client = await bind(0, "127.0.0.1");
    const big = new Uint8Array(60_000).map((_, i) => (i * 7) & 0xff);
    await client.sendTo(big, "127.0.0.1", server.port);
    const { data } = await server.recvFrom({ timeoutMs: 2000 });
    expect(data.byteLength).toBe(big.byteLength);
    expect(Buffer.compare(data, big)).toBe(0);
  });

  it("times out recvFrom with ETIMEDOUT and still delivers a later datagram", async () => {
    const server = await bind(0, "127.0.0.1");
    const client = await bind(0, "127.0.0.1");
    const error = await server.recvFrom({ timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe("ETIMEDOUT");
    expect((error as Error).message).toMatch(/timed out after 30 ms/);
    await client.sendTo("late", "127.0.0.1", server.port);
    expect(new TextDecoder().decode((await server.recvFrom({ timeoutMs: 2000 })).data)).toBe("late");
  });

  it("rejects pending recvFrom on close, and misuse with a message naming the fix", async () => {
    const server = await bind(0, "127.0.0.1");
    const pending = server.recvFrom();
    await server.close();
    await expect(pending).rejects.toThrow(/closed/);
    await expect(server.sendTo("x", "127.0.0.1", 9)).rejects.toThrow(/closed/);
    await expect(UdpSocket.bind(0, "not-an-ip")).rejects.toThrow(/not an IP address/);
    const taken = await bind(0, "127.0.0.1");
    await expect(UdpSocket.bind(taken.port, "127.0.0.1")).rejects.toThrow(/address already in use/);
    expect(() => taken.sendTo("x", "127.0.0.1", 0)).toThrow(/1\.\.65535/);
  });
});
