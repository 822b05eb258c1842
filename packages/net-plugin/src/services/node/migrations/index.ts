/** Every schema migration, in version order. Append new ones; never edit an applied one. */
import { initial } from "./0001_initial";
import { lobbyStartedAt } from "./0002_lobby_started_at";
import { rateBuckets } from "./0003_rate_buckets";
import type { Migration } from "./migration";

export type { Migration } from "./migration";

/** All migrations, ascending versions. */
export const MIGRATIONS: readonly Migration[] = [initial, lobbyStartedAt, rateBuckets];
