/**
 * Authentication and rate limiting, run in `onRequest` (before any body is read): the per-address
 * bucket first, then the route's auth (`user`: a valid `Authorization: Bearer` access token;
 * `server`: a configured `X-Canopy-Server-Key`), then the per-user bucket. Login routes also take
 * from a stricter per-address bucket kept in the store, so every process on one database shares it. Failures answer 401 / 429 with the contract's error body.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SERVER_KEY_HEADER, type RouteAuth } from "../../api";
import type { ServicesContext } from "./context";
import { ApiError } from "./errors";
import { RateLimiter } from "./rateLimit";
import { safeEqual } from "./tokens";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route (default `none`). */
    auth?: RouteAuth;
    /** Uses the stricter login bucket. */
    authRoute?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated user (routes with `auth: "user"`). */
    userId: string;
  }
}

/** The authenticated user of a `user` route. */
export function callerOf(request: FastifyRequest): string {
  return request.userId;
}

/** Installs the onRequest hook. */
export function installAuth(app: FastifyInstance, ctx: ServicesContext): void {
  const byAddress = new RateLimiter(ctx.config.rateLimit.perAddress, ctx.now);
  const byUser = new RateLimiter(ctx.config.rateLimit.perUser, ctx.now);
  const authBucket = ctx.config.rateLimit.authPerAddress;
  app.decorateRequest("userId", "");

  const limit = (limiter: RateLimiter, key: string, reply: FastifyReply, what: string): void => {
    if (limiter.take(key)) return;
    void reply.header("retry-after", String(limiter.retryAfter(key)));
    throw new ApiError("rate_limited", `Too many requests from this ${what}; retry later.`);
  };

  app.addHook("onRequest", async (request, reply) => {
    const config = request.routeOptions.config;
    limit(byAddress, request.ip, reply, "address");
    if (config.authRoute === true) {
      // Shared by every process on the store (password guessing must not scale with processes).
      const wait = await ctx.store.takeRateToken(
        `auth:${request.ip}`,
        authBucket.capacity,
        authBucket.refillPerSecond,
        ctx.nowMs(),
      );
      if (wait > 0) {
        void reply.header("retry-after", String(wait));
        throw new ApiError("rate_limited", "Too many logins from this address; retry later.");
      }
    }
    const auth = config.auth ?? "none";
    if (auth === "user") {
      const header = request.headers.authorization ?? "";
      const token = header.startsWith("Bearer ") ? header.slice(7) : "";
      const claims = token.length > 0 ? ctx.signer.verify(token) : undefined;
      if (claims === undefined)
        throw new ApiError(
          "unauthorized",
          "A valid session is required (Authorization: Bearer <accessToken>).",
        );
      request.userId = claims.userId;
      limit(byUser, claims.userId, reply, "user");
    } else if (auth === "server") {
      const key = request.headers[SERVER_KEY_HEADER];
      const given = typeof key === "string" ? key : "";
      let ok = false;
      for (const k of ctx.config.serverKeys) if (safeEqual(given, k)) ok = true;
      if (!ok)
        throw new ApiError("unauthorized", `A valid game-server key is required (${SERVER_KEY_HEADER}).`);
    }
    await Promise.resolve();
  });
}
