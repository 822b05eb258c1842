/**
 * @canopy/net-plugin — everything networked for a bitECS game built on @canopy/core: transports,
 * the reliable UDP protocol, replication, time sync, and online services. Platform-specific parts
 * live in the subpath exports `@canopy/net-plugin/server` (Node), `@canopy/net-plugin/client`
 * (browser) and `@canopy/net-plugin/testing` (harness and link-conditioner presets).
 */
export {};
