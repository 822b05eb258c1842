/**
 * The `applyServices` system: once per frame in PreUpdate (set `ApplyServices`), it applies every
 * finished online-service I/O to the `SessionManager` — completing `Result`s, updating cached
 * state, collecting pushed events — and advances the reconnect and token-refresh timers on the
 * app clock. Network callbacks only queue work; this is the one place it becomes visible.
 */
import { defineSet, getResource, Time, tryGetResource, type AppWorld } from "@canopy/core";
import { OnlineSession, SessionManager } from "./sessionManager";

/** PreUpdate set that drains service results (after ReceivePackets → Receive; see DESIGN.md "One tick"). */
export const ApplyServices = defineSet("ApplyServices");

/** Applies finished service I/O and pushed events to the SessionManager resource. */
export function applyServices(world: AppWorld): void {
  const session = tryGetResource(world, SessionManager);
  if (session instanceof OnlineSession) session.update(getResource(world, Time).now);
}
