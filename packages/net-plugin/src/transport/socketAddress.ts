import { AddressScheme } from "./constants";

/** A host and port split out of a transport address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `udp://127.0.0.1:4000` or `udp://[::1]:4000` for a host (IPv6 hosts are bracketed) and port. */
export function formatUdpAddress(host: string, port: number): string {
  return `${AddressScheme.UDP}${formatHostPort(host, port)}`;
}

/** `127.0.0.1:4000` or `[::1]:4000`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Splits `udp://host:port` (IPv6 hosts in brackets) into host and port, or returns undefined when the
 * text is not such an address. Never throws.
 */
export function parseUdpAddress(address: string): HostPort | undefined {
  if (!address.startsWith(AddressScheme.UDP)) return undefined;
  return parseHostPort(address.slice(AddressScheme.UDP.length));
}

/** Splits `host:port` / `[v6]:port` into host and port (1..65535), or undefined. Never throws. */
export function parseHostPort(text: string): HostPort | undefined {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text.charCodeAt(close + 1) !== 58 /* : */) return undefined;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon <= 0 || text.indexOf(":") !== colon) return undefined;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (host.length === 0 || !/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}
