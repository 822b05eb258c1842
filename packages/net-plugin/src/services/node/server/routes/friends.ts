/**
 * Friends routes: list, request (accepting at once when the other side asked first), accept and
 * remove. Requests and acceptances are pushed to the other user.
 */
import type { FastifyInstance } from "fastify";
import { Routes, type RouteBody } from "../../../api";
import { callerOf } from "../auth";
import { friendEntry, publicUser, type ServicesContext } from "../context";
import { ApiError } from "../errors";
import { Bodies, Params } from "../schemas";

/** Registers the friends routes. */
export function friendRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store, push } = ctx;
  const R = Routes;
  const me = async (userId: string) => {
    const user = await store.getUser(userId);
    if (user === undefined) throw new ApiError("unauthorized", "This account no longer exists.");
    return publicUser(user);
  };

  app.route({
    method: R.listFriends.method,
    url: R.listFriends.path,
    config: { auth: "user" },
    handler: async (request) => ({ friends: (await store.listFriends(callerOf(request))).map(friendEntry) }),
  });

  app.route({
    method: R.requestFriend.method,
    url: R.requestFriend.path,
    config: { auth: "user" },
    schema: { body: Bodies.requestFriend },
    handler: async (request) => {
      const caller = callerOf(request);
      const { userId } = request.body as RouteBody<"requestFriend">;
      if (userId === caller)
        throw new ApiError("bad_request", "You cannot befriend yourself.", "body.userId");
      const relation = await store.requestFriend(caller, userId, ctx.nowMs());
      const from = await me(caller);
      push.publish(
        [userId],
        relation.state === "friend"
          ? { type: "friend.accepted", user: from }
          : { type: "friend.request", from },
      );
      return friendEntry(relation);
    },
  });

  app.route({
    method: R.acceptFriend.method,
    url: R.acceptFriend.path,
    config: { auth: "user" },
    schema: { params: Params.userId },
    handler: async (request) => {
      const caller = callerOf(request);
      const { userId } = request.params as { userId: string };
      const relation = await store.acceptFriend(caller, userId, ctx.nowMs());
      push.publish([userId], { type: "friend.accepted", user: await me(caller) });
      return friendEntry(relation);
    },
  });

  app.route({
    method: R.removeFriend.method,
    url: R.removeFriend.path,
    config: { auth: "user" },
    schema: { params: Params.userId },
    handler: async (request, reply) => {
      const { userId } = request.params as { userId: string };
      if (!(await store.removeFriend(callerOf(request), userId))) {
        throw new ApiError("not_found", `No friend or request with "${userId}".`);
      }
      return reply.code(204).send();
    },
  });
}
