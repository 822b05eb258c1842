/** @canopy/net-plugin/client entry point; filled in by the Net layer. */
export {};
