/**
 * Achievement routes: enumerate (hidden ones masked until unlocked), get one, set (unlock and/or
 * raise progress) by the player, or by a game server for `serverOnly` ones. A new unlock is pushed
 * to the user as `achievement.unlocked`.
 */
import type { FastifyInstance } from "fastify";
import { Routes, type RouteBody } from "../../../api";
import { callerOf } from "../auth";
import type { AchievementConfig } from "../config";
import { achievementState, type ServicesContext } from "../context";
import { ApiError } from "../errors";
import { Bodies, Params } from "../schemas";

/** Registers the achievement routes. */
export function achievementRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store, push } = ctx;
  const R = Routes;

  const definition = (id: string): AchievementConfig => {
    const def = ctx.achievements.get(id);
    if (def === undefined) throw new ApiError("not_found", `No achievement "${id}".`);
    return def;
  };

  const update = async (
    def: AchievementConfig,
    userId: string,
    change: { unlocked?: boolean; progress?: number },
  ) => {
    if (change.unlocked !== true && change.progress === undefined) {
      throw new ApiError("bad_request", "Give unlocked: true and/or progress.", "body");
    }
    const patch: { unlock?: boolean; progress?: number } = {};
    if (change.unlocked === true) patch.unlock = true;
    if (change.progress !== undefined) patch.progress = change.progress;
    const result = await store.updateAchievement(userId, def.id, patch, ctx.nowMs());
    const achievement = achievementState(def, result.progress);
    if (result.newlyUnlocked) push.publish([userId], { type: "achievement.unlocked", achievement });
    return { achievement, newlyUnlocked: result.newlyUnlocked };
  };

  app.route({
    method: R.listAchievements.method,
    url: R.listAchievements.path,
    config: { auth: "user" },
    handler: async (request) => {
      const rows = new Map((await store.getAchievementProgress(callerOf(request))).map((p) => [p.id, p]));
      return {
        achievements: [...ctx.achievements.values()].map((def) => achievementState(def, rows.get(def.id))),
      };
    },
  });

  app.route({
    method: R.getAchievement.method,
    url: R.getAchievement.path,
    config: { auth: "user" },
    schema: { params: Params.id },
    handler: async (request) => {
      const def = definition((request.params as { id: string }).id);
      const rows = await store.getAchievementProgress(callerOf(request));
      return achievementState(
        def,
        rows.find((p) => p.id === def.id),
      );
    },
  });

  app.route({
    method: R.setAchievement.method,
    url: R.setAchievement.path,
    config: { auth: "user" },
    schema: { params: Params.id, body: Bodies.setAchievement },
    handler: async (request) => {
      const def = definition((request.params as { id: string }).id);
      if (def.serverOnly)
        throw new ApiError("forbidden", `Only game servers may set achievement "${def.id}".`);
      return update(def, callerOf(request), request.body as RouteBody<"setAchievement">);
    },
  });

  app.route({
    method: R.serverSetAchievement.method,
    url: R.serverSetAchievement.path,
    config: { auth: "server" },
    schema: { params: Params.id, body: Bodies.serverSetAchievement },
    handler: async (request) => {
      const def = definition((request.params as { id: string }).id);
      const body = request.body as RouteBody<"serverSetAchievement">;
      if ((await store.getUser(body.userId)) === undefined) {
        throw new ApiError("not_found", `No user "${body.userId}".`, "body.userId");
      }
      return update(def, body.userId, body);
    },
  });
}
