/** SQLite store: achievements and cloud saves. */
import { ConflictError, NotFoundError } from "../../../store/errors";
import type { AchievementProgress } from "../../../store/records";
import type { SaveStore } from "../storeParts";
import { toAchievement, toBytes, toProgress, toSaveMeta, type Row } from "../rows";
import { maybe } from "./sqliteUsers";
import type { SqliteContext } from "./groupCommit";
import { nextProgress } from "../../../store/achievements";
import { checkSaveVersion } from "../../../store/saves";

/** Achievements and saves over one SQLite connection. */
export function sqliteSaves(ctx: SqliteContext): SaveStore {
  const { db } = ctx;
  const upsertDef = db.prepare(
    `INSERT INTO achievements (id, name, description, hidden, target, server_only) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
       hidden = excluded.hidden, target = excluded.target, server_only = excluded.server_only`,
  );
  const defById = db.prepare<[string], Row>("SELECT * FROM achievements WHERE id = ?");
  const defs = db.prepare<[], Row>("SELECT * FROM achievements ORDER BY id");
  const progressOf = db.prepare<[string], Row>(
    "SELECT * FROM achievement_progress WHERE user_id = ? ORDER BY achievement_id",
  );
  const oneProgress = db.prepare<[string, string], Row>(
    "SELECT * FROM achievement_progress WHERE user_id = ? AND achievement_id = ?",
  );
  const upsertProgress = db.prepare(
    `INSERT INTO achievement_progress (user_id, achievement_id, progress, unlocked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, achievement_id) DO UPDATE SET progress = excluded.progress,
       unlocked_at = excluded.unlocked_at`,
  );
  const saveMeta = db.prepare<[string, string], Row>(
    "SELECT slot, title, description, size, version, updated_at FROM saves WHERE user_id = ? AND slot = ?",
  );
  const saveFull = db.prepare<[string, string], Row>("SELECT * FROM saves WHERE user_id = ? AND slot = ?");
  const savesOf = db.prepare<[string], Row>(
    "SELECT slot, title, description, size, version, updated_at FROM saves WHERE user_id = ? ORDER BY slot",
  );
  const upsertSave = db.prepare(
    `INSERT INTO saves (user_id, slot, title, description, data, size, version, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, slot) DO UPDATE SET title = excluded.title, description = excluded.description,
       data = excluded.data, size = excluded.size, version = excluded.version, updated_at = excluded.updated_at`,
  );
  const deleteSave = db.prepare("DELETE FROM saves WHERE user_id = ? AND slot = ?");

  return {
    defineAchievement: (d) =>
      ctx.write(() => {
        upsertDef.run(d.id, d.name, d.description, d.hidden ? 1 : 0, d.target ?? null, d.serverOnly ? 1 : 0);
      }),
    getAchievementDefinition: (id) => ctx.read(() => maybe(defById.get(id), toAchievement)),
    listAchievementDefinitions: () => ctx.read(() => defs.all().map(toAchievement)),
    getAchievementProgress: (userId) => ctx.read(() => progressOf.all(userId).map(toProgress)),
    updateAchievement: (userId, id, change, nowMs) =>
      ctx.write(() => {
        const def = defById.get(id);
        if (def === undefined) throw new NotFoundError("achievement", `No achievement "${id}".`);
        const old = maybe(oneProgress.get(userId, id), toProgress);
        const { progress, newlyUnlocked } = nextProgress(toAchievement(def), old, change, nowMs);
        upsertProgress.run(userId, id, progress.progress, progress.unlockedAtMs ?? null);
        return { progress: { ...progress } satisfies AchievementProgress, newlyUnlocked };
      }),

    setSave: (userId, slot, save, nowMs) =>
      ctx.write(() => {
        const current = maybe(saveMeta.get(userId, slot), toSaveMeta);
        checkSaveVersion(slot, current?.version, save);
        const version = (current?.version ?? 0) + 1;
        upsertSave.run(
          userId,
          slot,
          save.title,
          save.description,
          save.data,
          save.data.byteLength,
          version,
          nowMs,
        );
        return toSaveMeta(saveMeta.get(userId, slot) as Row);
      }),
    getSave: (userId, slot) =>
      ctx.read(() => maybe(saveFull.get(userId, slot), (r) => ({ ...toSaveMeta(r), data: toBytes(r.data) }))),
    listSaves: (userId) => ctx.read(() => savesOf.all(userId).map(toSaveMeta)),
    deleteSave: (userId, slot, expectedVersion) =>
      ctx.write(() => {
        const current = maybe(saveMeta.get(userId, slot), toSaveMeta);
        if (current === undefined) throw new NotFoundError("save", `No save in slot "${slot}".`);
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw new ConflictError(
            "version_conflict",
            `Slot "${slot}" is at version ${current.version}, not ${expectedVersion}.`,
          );
        }
        deleteSave.run(userId, slot);
      }),
  };
}
