/**
 * Orders the net-plugin sets in an app: PreUpdate `ReceivePackets → Receive → ApplyServices`,
 * PostUpdate `PrepareSend → Send → SendPackets` (DESIGN.md "One tick").
 */
import { chain, Stage, type App } from "@canopy/core";
import { PrepareSend, Receive, ReceivePackets, Send, SendPackets } from "../../replication/sets";
import { ApplyServices } from "../../services/client/applyServices";

/** Configures the set order of both stages. */
export function configureNetSets(app: App): void {
  app.configureSets(Stage.PreUpdate, chain(ReceivePackets, Receive, ApplyServices));
  app.configureSets(Stage.PostUpdate, chain(PrepareSend, Send, SendPackets));
}
