/** @canopy/net-plugin/testing entry point; filled in by the Net layer. */
export {};
