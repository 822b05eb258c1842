/**
 * The client's connection states (docs/CONNECTION-STATES.md has the table and transitions).
 */
export const ClientState = {
  /** Not connected; `connect(token)` starts a handshake. The last reason is in `disconnectReason`. */
  disconnected: "disconnected",
  /** Sending the connection request (10 Hz) to the current server of the token. */
  sendingRequest: "sendingRequest",
  /** Got a challenge; echoing it (10 Hz) until the server's first keep-alive. */
  sendingResponse: "sendingResponse",
  /** Connected: payloads and keep-alives both ways, timeout on silence. */
  connected: "connected",
} as const;

/** One of the {@link ClientState} values. */
export type ClientStateValue = (typeof ClientState)[keyof typeof ClientState];
