/**
 * Transport constants in one place, each with the reason for its value. Higher layers size their
 * packets below `DEFAULT_MAX_DATAGRAM_SIZE`; every transport drops (and counts) larger datagrams.
 */
export const TransportConstants = {
  /**
   * Largest datagram a transport accepts by default, in bytes. The protocol packs 1200-byte payloads
   * plus headers and a 16-byte AEAD tag; 1400 stays below the 1472 bytes an Ethernet MTU leaves for a
   * UDP payload over IPv4 (1452 over IPv6) even with a VPN or PPPoE header in the path.
   */
  DEFAULT_MAX_DATAGRAM_SIZE: 1400,
  /**
   * Datagrams a transport buffers between two `poll()` calls before dropping new ones. At 60 polls/s
   * this is ~68 k datagrams/s — far above what a game server handles — while bounding memory to
   * ~5.7 MB per transport when a flood of maximum-size datagrams arrives.
   */
  DEFAULT_INBOX_CAPACITY: 4096,
  /** Largest datagram any transport can be configured for: the IPv4 UDP payload limit. */
  MAX_DATAGRAM_SIZE_LIMIT: 65507,
} as const;

/** Address scheme prefixes, so parsing code and tests share one spelling. */
export const AddressScheme = {
  LOOPBACK: "loopback://",
  UDP: "udp://",
  WS: "ws://",
  WSS: "wss://",
} as const;
