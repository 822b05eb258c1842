/** @canopy/net-plugin/server entry point; filled in by the Net layer. */
export {};
