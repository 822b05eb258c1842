/**
 * Identity routes: guest login by device id, register / login with username + password (scrypt),
 * upgrade of a guest to a password account (same user id), refresh-token rotation, logout, the caller's profile and user lookup. A refresh token is 256
 * random bits; the store keeps only its SHA-256 as the session id, so a database leak yields no
 * usable token. Rotation revokes the old session first, so a stolen-and-replayed token wins once.
 */
import type { FastifyInstance } from "fastify";
import { Routes, type AuthResponse, type RouteBody, type RouteQuery } from "../../../api";
import { ConflictError } from "../../../store/errors";
import type { UserRecord } from "../../../store/records";
import { callerOf } from "../auth";
import { publicUser, userInfo, type ServicesContext } from "../context";
import { ApiError } from "../errors";
import { hashPassword, verifyPassword } from "../passwords";
import { Bodies, Params, Queries } from "../schemas";
import { hashRefreshToken, newRefreshToken } from "../tokens";

/** Hash checked when the username is unknown, so a miss costs as much time as a wrong password. */
let dummyHash: Promise<string> | undefined;

/** Registers the identity routes. */
export function identityRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store } = ctx;

  const issue = async (user: UserRecord): Promise<AuthResponse> => {
    const now = ctx.nowMs();
    const access = ctx.signer.sign(user.id, ctx.config.accessTokenSeconds);
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = now + ctx.config.refreshTokenSeconds * 1000;
    await store.createSession(hashRefreshToken(refreshToken), user.id, refreshExpiresAt, now);
    return {
      user: userInfo(user),
      session: {
        accessToken: access.token,
        accessExpiresAt: access.expiresAt,
        refreshToken,
        refreshExpiresAt,
      },
    };
  };

  const R = Routes;
  app.route({
    method: R.guestLogin.method,
    url: R.guestLogin.path,
    config: { authRoute: true },
    schema: { body: Bodies.guestLogin },
    handler: async (request) => {
      const body = request.body as RouteBody<"guestLogin">;
      let user = await store.findUserByDevice(body.deviceId);
      if (user === undefined) {
        const name = body.displayName ?? `Guest-${body.deviceId.slice(-4)}`;
        try {
          user = await store.createGuest(body.deviceId, name, ctx.nowMs());
        } catch (err) {
          // Two first logins of one device raced: the other one created it.
          if (!(err instanceof ConflictError)) throw err;
          user = await store.findUserByDevice(body.deviceId);
          if (user === undefined) throw err;
        }
      }
      return issue(user);
    },
  });

  app.route({
    method: R.register.method,
    url: R.register.path,
    config: { authRoute: true },
    schema: { body: Bodies.register },
    handler: async (request, reply) => {
      const body = request.body as RouteBody<"register">;
      const hash = await hashPassword(body.password, ctx.config.scrypt);
      const user = await store.createUser(
        body.username,
        hash,
        body.displayName ?? body.username,
        ctx.nowMs(),
      );
      void reply.code(201);
      return issue(user);
    },
  });

  app.route({
    method: R.login.method,
    url: R.login.path,
    config: { authRoute: true },
    schema: { body: Bodies.login },
    handler: async (request) => {
      const body = request.body as RouteBody<"login">;
      const user = await store.findUserByUsername(body.username);
      if (user?.passwordHash === undefined) {
        dummyHash ??= hashPassword("canopy-dummy-password", ctx.config.scrypt);
        await verifyPassword(body.password, await dummyHash);
        throw new ApiError("unauthorized", "Wrong username or password.");
      }
      if (!(await verifyPassword(body.password, user.passwordHash))) {
        throw new ApiError("unauthorized", "Wrong username or password.");
      }
      return issue(user);
    },
  });

  app.route({
    method: R.upgrade.method,
    url: R.upgrade.path,
    // The login bucket too: each call costs one scrypt hash.
    config: { auth: "user", authRoute: true },
    schema: { body: Bodies.upgrade },
    handler: async (request) => {
      const body = request.body as RouteBody<"upgrade">;
      const hash = await hashPassword(body.password, ctx.config.scrypt);
      return userInfo(await store.attachCredentials(callerOf(request), body.username, hash));
    },
  });

  app.route({
    method: R.refresh.method,
    url: R.refresh.path,
    config: { authRoute: true },
    schema: { body: Bodies.refresh },
    handler: async (request) => {
      const body = request.body as RouteBody<"refresh">;
      const id = hashRefreshToken(body.refreshToken);
      const session = await store.getSession(id);
      const invalid = new ApiError(
        "unauthorized",
        "The refresh token is invalid, expired or already used; log in again.",
      );
      if (session === undefined || session.revoked || session.expiresAtMs <= ctx.nowMs()) throw invalid;
      if (!(await store.revokeSession(id))) throw invalid;
      const user = await store.getUser(session.userId);
      if (user === undefined) throw invalid;
      return issue(user);
    },
  });

  app.route({
    method: R.logout.method,
    url: R.logout.path,
    config: { auth: "user" },
    schema: { body: Bodies.logout },
    handler: async (request, reply) => {
      const body = request.body as RouteBody<"logout">;
      const id = hashRefreshToken(body.refreshToken);
      const session = await store.getSession(id);
      if (session?.userId === callerOf(request)) await store.revokeSession(id);
      return reply.code(204).send();
    },
  });

  app.route({
    method: R.me.method,
    url: R.me.path,
    config: { auth: "user" },
    handler: async (request) => {
      const user = await store.getUser(callerOf(request));
      if (user === undefined) throw new ApiError("unauthorized", "This account no longer exists.");
      return userInfo(user);
    },
  });

  app.route({
    method: R.updateMe.method,
    url: R.updateMe.path,
    config: { auth: "user" },
    schema: { body: Bodies.updateMe },
    handler: async (request) => {
      const body = request.body as RouteBody<"updateMe">;
      return userInfo(await store.setDisplayName(callerOf(request), body.displayName));
    },
  });

  app.route({
    method: R.getUser.method,
    url: R.getUser.path,
    config: { auth: "user" },
    schema: { params: Params.userId },
    handler: async (request) => {
      const { userId } = request.params as { userId: string };
      const user = await store.getUser(userId);
      if (user === undefined) throw new ApiError("not_found", `No user "${userId}".`);
      return publicUser(user);
    },
  });

  app.route({
    method: R.findUser.method,
    url: R.findUser.path,
    config: { auth: "user" },
    schema: { querystring: Queries.findUser },
    handler: async (request) => {
      const { username } = request.query as RouteQuery<"findUser">;
      const user = await store.findUserByUsername(username);
      if (user === undefined) throw new ApiError("not_found", `No user named "${username}".`);
      return publicUser(user);
    },
  });
}
