/**
 * Game-server routes (authenticated by `X-Canopy-Server-Key`): register, heartbeat, unregister.
 * A server counts as live while its last heartbeat is younger than `gameServers.timeoutSeconds`.
 */
import type { FastifyInstance } from "fastify";
import { Routes, type RouteBody } from "../../../api";
import type { GameServerRegistration } from "../../../store/records";
import { gameServerInfo, type ServicesContext } from "../context";
import { ApiError } from "../errors";
import { Bodies, Params } from "../schemas";

/** Registers the game-server routes. */
export function gameServerRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store } = ctx;
  const R = Routes;

  app.route({
    method: R.registerServer.method,
    url: R.registerServer.path,
    config: { auth: "server" },
    schema: { body: Bodies.registerServer },
    handler: async (request) => {
      const body = request.body as RouteBody<"registerServer">;
      const registration: GameServerRegistration = {
        id: body.id,
        addresses: body.addresses,
        capacity: body.capacity,
      };
      if (body.metadata !== undefined) registration.metadata = body.metadata;
      const server = await store.registerServer(registration, ctx.nowMs());
      return { server: gameServerInfo(server), heartbeatSeconds: ctx.config.gameServers.heartbeatSeconds };
    },
  });

  app.route({
    method: R.heartbeatServer.method,
    url: R.heartbeatServer.path,
    config: { auth: "server" },
    schema: { params: Params.serverId, body: Bodies.heartbeatServer },
    handler: async (request, reply) => {
      const { serverId } = request.params as { serverId: string };
      const { players } = request.body as RouteBody<"heartbeatServer">;
      if (!(await store.heartbeatServer(serverId, players, ctx.nowMs()))) {
        throw new ApiError("not_found", `Game server "${serverId}" is not registered; register again.`);
      }
      return reply.code(204).send();
    },
  });

  app.route({
    method: R.unregisterServer.method,
    url: R.unregisterServer.path,
    config: { auth: "server" },
    schema: { params: Params.serverId },
    handler: async (request, reply) => {
      const { serverId } = request.params as { serverId: string };
      if (!(await store.removeServer(serverId)))
        throw new ApiError("not_found", `Game server "${serverId}" is not registered.`);
      return reply.code(204).send();
    },
  });
}
