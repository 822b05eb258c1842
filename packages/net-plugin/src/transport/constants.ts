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

/** Socket-level constants of the Node transports, each with its reason. */
export const SocketConstants = {
  /**
   * Kernel receive buffer asked for on UDP sockets: 1 MiB absorbs ~750 full datagrams between two
   * event-loop turns during a burst (Linux caps it at net.core.rmem_max without failing).
   */
  UDP_RECEIVE_BUFFER_BYTES: 1 << 20,
  /** Kernel send buffer asked for on UDP sockets, for the same bursts outbound. */
  UDP_SEND_BUFFER_BYTES: 1 << 20,
  /**
   * A WebSocket peer whose unsent backlog exceeds this many bytes has further datagrams dropped
   * (counted): datagrams are unreliable, and queueing them behind a stalled TCP stream only adds lag.
   */
  WS_MAX_BUFFERED_BYTES: 1 << 20,
  /** Simultaneous WebSocket peers a server transport accepts by default; more are refused (1013). */
  WS_DEFAULT_MAX_CONNECTIONS: 1024,
  /** How long connecting a WebSocket client may take by default, in milliseconds. */
  WS_DEFAULT_CONNECT_TIMEOUT_MS: 10_000,
  /** Parsed-address cache entries kept by a UDP transport before the cache is cleared. */
  UDP_ADDRESS_CACHE_LIMIT: 4096,
  /**
   * Reusable send buffers per UDP transport: a frame's burst to many clients (64 clients × 4
   * packets) goes out without a copy per datagram; beyond it, sends still work with a fresh copy.
   */
  UDP_SEND_BUFFERS: 256,
} as const;

/** WebSocket close codes the transports send (RFC 6455 §7.4.1). */
export const WebSocketCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** A text frame arrived: the transport carries binary datagrams only. */
  UNSUPPORTED_DATA: 1003,
  /** A frame exceeded maxDatagramSize. */
  MESSAGE_TOO_BIG: 1009,
  /** The server is at maxConnections. */
  TRY_AGAIN_LATER: 1013,
} as const;

/** Constants of the raw Net API (TcpSocket, UdpSocket, HttpClient), each with its reason. */
export const NetApiConstants = {
  /**
   * Bytes a TcpSocket buffers ahead of `recv` before it pauses reading: the kernel window then
   * pushes back on the sender instead of our memory growing without bound.
   */
  TCP_RECEIVE_HIGH_WATER_BYTES: 1 << 20,
  /** Default `recv` size when no maxBytes is given: 64 KiB, one typical socket read. */
  TCP_DEFAULT_RECV_BYTES: 65536,
  /** Datagrams a UdpSocket buffers ahead of `recvFrom` before it drops new ones (counted). */
  UDP_SOCKET_QUEUE_LIMIT: 1024,
  /** Default HttpClient timeout in milliseconds, covering headers and body: generous for game services. */
  HTTP_DEFAULT_TIMEOUT_MS: 30_000,
} as const;
