import type { App } from "./app";

/**
 * A plugin adds resources, systems and set configuration to an app. Lifecycle: `build` runs when
 * the plugin is added; `finish` runs once every plugin is built (before the first update), so it
 * can read what other plugins inserted; `cleanup` runs when the app is disposed.
 */
export interface Plugin {
  /** Unique name; adding two plugins with the same name is an error. */
  readonly name: string;
  /** Names of plugins that must also be added (in any order) before the app starts. */
  readonly dependencies?: readonly string[];
  build(app: App): void;
  finish?(app: App): void;
  cleanup?(app: App): void;
}

/** A plugin was added twice, or one it depends on is missing. */
export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginError";
  }
}
