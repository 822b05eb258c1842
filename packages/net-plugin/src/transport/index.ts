/**
 * transport/ — why it exists: every layer above speaks to the network through one small datagram
 * interface (`Transport`), so the same protocol runs over in-memory loopback in tests, UDP on a
 * dedicated server and WebSocket in the browser, and the seeded `LinkConditioner` can wrap any of
 * them. This barrel holds the platform-neutral parts; Node transports and sockets live in `node/`
 * (exported from `@canopy/net-plugin/server`), the browser WebSocket client in `browser/`.
 */
export * from "./transport";
export * from "./constants";
export * from "./loopback";
export * from "./linkConditions";
export * from "./linkDirection";
export * from "./linkConditioner";
export * from "./linkPresets";
export * from "./socketAddress";
export * from "./webSocketClient";
export * from "./httpClient";
