import dgram from "node:dgram";
import type { Datagram, Transport } from "@canopy/net-plugin";

/** Polls `condition` every few milliseconds until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Polls `transport` until `count` datagrams have arrived (or fails after `timeoutMs`); returns
 * copies, since a polled datagram is valid only until the next poll.
 */
export async function receive(transport: Transport, count: number, timeoutMs = 5000): Promise<Datagram[]> {
  const got: Datagram[] = [];
  await waitFor(
    () => {
      for (let d = transport.poll(); d !== undefined; d = transport.poll())
        got.push({ from: d.from, data: d.data.slice() });
      return got.length >= count;
    },
    `${count} datagrams on ${transport.localAddress} (got ${got.length})`,
    timeoutMs,
  );
  return got;
}

/** True when a UDP socket can bind `::1` (some CI containers have IPv6 disabled). */
export async function canBindIpv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket({ type: "udp6", ipv6Only: true });
  try {
    return await new Promise<boolean>((resolve) => {
      socket.once("error", () => resolve(false));
      socket.bind(0, "::1", () => resolve(true));
    });
  } finally {
    socket.close();
  }
}

/** Closes every transport it was given, at the end of each test. */
export class Closer {
  private readonly items: { close(): Promise<void> | void }[] = [];
  add<T extends { close(): Promise<void> | void }>(item: T): T {
    this.items.push(item);
    return item;
  }
  async closeAll(): Promise<void> {
    const items = this.items.splice(0);
    await Promise.all(items.map((item) => Promise.resolve(item.close())));
  }
}
