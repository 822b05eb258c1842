/**
 * `ServicesPlugin`: puts the online services into an app — it inserts the `SessionManager`
 * resource and adds the `applyServices` system to PreUpdate in the `ApplyServices` set, which
 * completes every service `Result` and applies pushed events at that one point of each frame.
 *
 * ```ts
 * app.addPlugins(ServicesPlugin({ url: "https://services.example.com", webSocket: WebSocket, deviceId }));
 * // in a system:
 * const session = getResource(world, SessionManager);
 * if (session.leaderboards.ready) session.leaderboards.setScore("arena.kills", kills);
 * ```
 */
import { Stage, type App, type Plugin } from "@canopy/core";
import { ApplyServices, applyServices } from "../services/client/applyServices";
import type { ConnectionOptions } from "../services/client/connection";
import type { Credentials } from "../services/client/credentials";
import { OnlineSession, SessionManager } from "../services/client/sessionManager";

/** Options of {@link ServicesPlugin}. */
export interface ServicesPluginOptions extends ConnectionOptions {
  /** Log in at start-up as the guest of this device id (16–128 characters, random per install). */
  deviceId?: string;
  /** Or log in at start-up with these credentials (password or register). */
  credentials?: Credentials;
}

/** Name of the plugin (for `dependencies` of other plugins). */
export const SERVICES_PLUGIN = "canopy.services";

/** Builds the online-services plugin; without `deviceId`/`credentials`, log in later through `identity`. */
export function ServicesPlugin(options: ServicesPluginOptions): Plugin {
  if (options.deviceId !== undefined && options.credentials !== undefined) {
    throw new RangeError("ServicesPlugin takes deviceId or credentials, not both; pick one way to log in.");
  }
  const credentials: Credentials | undefined =
    options.deviceId !== undefined ? { kind: "guest", deviceId: options.deviceId } : options.credentials;
  let session: OnlineSession | undefined;
  return {
    name: SERVICES_PLUGIN,
    build(app: App): void {
      session = new OnlineSession({ ...options, credentials });
      app.insertResource(SessionManager, session);
      app.addSystems(Stage.PreUpdate, { run: applyServices, name: "applyServices", in: ApplyServices });
    },
    cleanup(): void {
      session?.close();
    },
  };
}
