/** PostgreSQL store: achievements and cloud saves (row locks make version checks exact). */
import { nextProgress } from "../../../store/achievements";
import { ConflictError, NotFoundError } from "../../../store/errors";
import type { SaveMeta } from "../../../store/records";
import { checkSaveVersion } from "../../../store/saves";
import type { SaveStore } from "../storeParts";
import { toAchievement, toBytes, toProgress, toSaveMeta } from "../rows";
import { sqlState, UNIQUE_VIOLATION, type PgContext } from "./pgContext";

const META = "slot, title, description, size, version, updated_at";

/** Achievements and saves over a pg pool. */
export function pgSaves(ctx: PgContext): SaveStore {
  const { q } = ctx;
  const setSave: SaveStore["setSave"] = async (userId, slot, save, nowMs) => {
    try {
      return await ctx.tx(async (tq): Promise<SaveMeta> => {
        const row = (
          await tq(`SELECT version FROM saves WHERE user_id = $1 AND slot = $2 FOR UPDATE`, [userId, slot])
        )[0];
        const current = row === undefined ? undefined : Number(row.version);
        checkSaveVersion(slot, current, save);
        const params = [
          userId,
          slot,
          save.title,
          save.description,
          save.data,
          save.data.byteLength,
          (current ?? 0) + 1,
          nowMs,
        ];
        const written =
          current === undefined
            ? await tq(
                `INSERT INTO saves (user_id, slot, title, description, data, size, version, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${META}`,
                params,
              )
            : await tq(
                `UPDATE saves SET title = $3, description = $4, data = $5, size = $6, version = $7, updated_at = $8
                 WHERE user_id = $1 AND slot = $2 RETURNING ${META}`,
                params,
              );
        return toSaveMeta(written[0] as Record<string, unknown>);
      });
    } catch (error) {
      // Another writer created the slot between our read and insert: judge again against its row.
      if (sqlState(error) === UNIQUE_VIOLATION) return setSave(userId, slot, save, nowMs);
      throw error;
    }
  };

  return {
    defineAchievement: async (d) => {
      await q(
        `INSERT INTO achievements (id, name, description, hidden, target, server_only) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
           hidden = excluded.hidden, target = excluded.target, server_only = excluded.server_only`,
        [d.id, d.name, d.description, d.hidden ? 1 : 0, d.target ?? null, d.serverOnly ? 1 : 0],
      );
    },
    getAchievementDefinition: async (id) => {
      const row = (await q("SELECT * FROM achievements WHERE id = $1", [id]))[0];
      return row === undefined ? undefined : toAchievement(row);
    },
    listAchievementDefinitions: async () =>
      (await q(`SELECT * FROM achievements ORDER BY id COLLATE "C"`)).map(toAchievement),
    getAchievementProgress: async (userId) =>
      (
        await q(`SELECT * FROM achievement_progress WHERE user_id = $1 ORDER BY achievement_id COLLATE "C"`, [
          userId,
        ])
      ).map(toProgress),
    updateAchievement: (userId, id, change, nowMs) =>
      ctx.tx(async (tq) => {
        const def = (await tq("SELECT * FROM achievements WHERE id = $1", [id]))[0];
        if (def === undefined) throw new NotFoundError("achievement", `No achievement "${id}".`);
        // Make sure the row exists, then lock it: concurrent updates of one user's achievement queue here.
        await tq(
          `INSERT INTO achievement_progress (user_id, achievement_id, progress, unlocked_at) VALUES ($1, $2, 0, NULL)
           ON CONFLICT DO NOTHING`,
          [userId, id],
        );
        const row = (
          await tq(
            "SELECT * FROM achievement_progress WHERE user_id = $1 AND achievement_id = $2 FOR UPDATE",
            [userId, id],
          )
        )[0];
        const old = row === undefined ? undefined : toProgress(row);
        const { progress, newlyUnlocked } = nextProgress(toAchievement(def), old, change, nowMs);
        await tq(
          "UPDATE achievement_progress SET progress = $3, unlocked_at = $4 WHERE user_id = $1 AND achievement_id = $2",
          [userId, id, progress.progress, progress.unlockedAtMs ?? null],
        );
        return { progress, newlyUnlocked };
      }),

    setSave,
    getSave: async (userId, slot) => {
      const row = (await q("SELECT * FROM saves WHERE user_id = $1 AND slot = $2", [userId, slot]))[0];
      return row === undefined ? undefined : { ...toSaveMeta(row), data: toBytes(row.data) };
    },
    listSaves: async (userId) =>
      (await q(`SELECT ${META} FROM saves WHERE user_id = $1 ORDER BY slot COLLATE "C"`, [userId])).map(
        toSaveMeta,
      ),
    deleteSave: (userId, slot, expectedVersion) =>
      ctx.tx(async (tq) => {
        const row = (
          await tq("SELECT version FROM saves WHERE user_id = $1 AND slot = $2 FOR UPDATE", [userId, slot])
        )[0];
        if (row === undefined) throw new NotFoundError("save", `No save in slot "${slot}".`);
        if (expectedVersion !== undefined && expectedVersion !== Number(row.version)) {
          throw new ConflictError(
            "version_conflict",
            `Slot "${slot}" is at version ${Number(row.version)}, not ${expectedVersion}.`,
          );
        }
        await tq("DELETE FROM saves WHERE user_id = $1 AND slot = $2", [userId, slot]);
      }),
  };
}
