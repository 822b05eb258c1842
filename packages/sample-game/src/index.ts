/** @canopy/sample-game — the three.js arena; built by the arena issue on top of core and net-plugin. */
export {};
