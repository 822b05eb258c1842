/**
 * Lobby and matchmaking routes. Visibility: a lobby is seen by its members, by invited users, by
 * everybody when public and by the owner's friends when friends-only; anyone else gets 404 (a
 * private lobby's existence is not revealed). Owner-only actions (lobby metadata, kick, start)
 * answer 403 to other members. Every change is pushed to the lobby's members, the caller included.
 */
import type { FastifyInstance } from "fastify";
import { Limits, Routes, type LobbyInfo, type Metadata, type PushEvent, type RouteBody } from "../../../api";
import type { LobbyRecord, MetadataPatch } from "../../../store/records";
import { callerOf } from "../auth";
import { lobbyInfo, publicUser, type ServicesContext } from "../context";
import { ApiError } from "../errors";
import { Bodies, Params } from "../schemas";
import { startMatch } from "./startMatch";

/** Registers the lobby routes. */
export function lobbyRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store, push } = ctx;
  const R = Routes;

  const isMember = (lobby: LobbyRecord, userId: string): boolean =>
    lobby.members.some((m) => m.userId === userId);
  const canSee = async (lobby: LobbyRecord, userId: string): Promise<boolean> =>
    isMember(lobby, userId) ||
    lobby.access === "public" ||
    (await store.isInvited(lobby.id, userId)) ||
    (lobby.access === "friends" && (await store.areFriends(lobby.ownerId, userId)));
  /** The lobby if the caller may see it, else 404. */
  const visible = async (lobbyId: string, userId: string): Promise<LobbyRecord> => {
    const lobby = await store.getLobby(lobbyId);
    if (lobby === undefined || !(await canSee(lobby, userId)))
      throw new ApiError("not_found", `No lobby "${lobbyId}".`);
    return lobby;
  };
  const asMember = async (lobbyId: string, userId: string): Promise<LobbyRecord> => {
    const lobby = await visible(lobbyId, userId);
    if (!isMember(lobby, userId)) throw new ApiError("forbidden", `You are not in lobby "${lobbyId}".`);
    return lobby;
  };
  const asOwner = async (lobbyId: string, userId: string): Promise<LobbyRecord> => {
    const lobby = await asMember(lobbyId, userId);
    if (lobby.ownerId !== userId)
      throw new ApiError("forbidden", `Only the owner of lobby "${lobbyId}" may do this.`);
    return lobby;
  };
  const tell = (lobby: LobbyRecord, event: PushEvent): void => {
    push.publish(
      lobby.members.map((m) => m.userId),
      event,
    );
  };
  const lobbyId = (request: { params: unknown }): string => (request.params as { lobbyId: string }).lobbyId;
  /** A patch may not grow a metadata map past {@link Limits.metadataKeys} keys in total. */
  const checkSize = (current: Metadata, patch: MetadataPatch): void => {
    const keys = new Set(Object.keys(current));
    for (const key of patch.remove ?? []) keys.delete(key);
    for (const key of Object.keys(patch.set ?? {})) keys.add(key);
    if (keys.size > Limits.metadataKeys) {
      throw new ApiError(
        "bad_request",
        `Metadata may hold at most ${Limits.metadataKeys} keys; remove some first.`,
        "body.set",
      );
    }
  };
  const patchOf = (body: RouteBody<"setLobbyMetadata">): MetadataPatch => {
    const patch: MetadataPatch = {};
    if (body.set !== undefined) patch.set = body.set;
    if (body.remove !== undefined) patch.remove = body.remove;
    return patch;
  };

  app.route({
    method: R.createLobby.method,
    url: R.createLobby.path,
    config: { auth: "user" },
    schema: { body: Bodies.createLobby },
    handler: async (request, reply) => {
      const body = request.body as RouteBody<"createLobby">;
      const create: Parameters<typeof store.createLobby>[0] = {
        ownerId: callerOf(request),
        access: body.access,
        maxParticipants: body.maxParticipants,
      };
      if (body.metadata !== undefined) create.metadata = body.metadata;
      if (body.participantMetadata !== undefined) create.ownerMetadata = body.participantMetadata;
      void reply.code(201);
      return lobbyInfo(await store.createLobby(create, ctx.nowMs()));
    },
  });

  app.route({
    method: R.findMatchingLobbies.method,
    url: R.findMatchingLobbies.path,
    config: { auth: "user" },
    schema: { body: Bodies.findMatchingLobbies },
    handler: async (request) => {
      const { filter } = request.body as RouteBody<"findMatchingLobbies">;
      return { lobbies: (await store.findLobbies(callerOf(request), filter)).map(lobbyInfo) };
    },
  });

  app.route({
    method: R.myLobbies.method,
    url: R.myLobbies.path,
    config: { auth: "user" },
    handler: async (request) => ({ lobbies: (await store.listLobbiesOf(callerOf(request))).map(lobbyInfo) }),
  });

  app.route({
    method: R.myInvites.method,
    url: R.myInvites.path,
    config: { auth: "user" },
    handler: async (request) => ({ lobbies: (await store.listInvites(callerOf(request))).map(lobbyInfo) }),
  });

  app.route({
    method: R.getLobby.method,
    url: R.getLobby.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId },
    handler: async (request) => lobbyInfo(await visible(lobbyId(request), callerOf(request))),
  });

  app.route({
    method: R.joinLobby.method,
    url: R.joinLobby.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId, body: Bodies.joinLobby },
    handler: async (request) => {
      const caller = callerOf(request);
      const before = await visible(lobbyId(request), caller);
      const { metadata } = (request.body ?? {}) as RouteBody<"joinLobby">;
      const lobby = await store.joinLobby(before.id, caller, metadata, ctx.nowMs());
      const info = lobbyInfo(lobby);
      if (!isMember(before, caller)) {
        const user = info.participants.find((p) => p.user.id === caller)?.user;
        if (user !== undefined) tell(lobby, { type: "lobby.joined", lobby: info, user });
      }
      return info;
    },
  });

  app.route({
    method: R.leaveLobby.method,
    url: R.leaveLobby.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const lobby = await asMember(lobbyId(request), caller);
      const result = await store.leaveLobby(lobby.id, caller);
      if (result.lobby !== undefined) {
        tell(result.lobby, {
          type: "lobby.left",
          lobbyId: lobby.id,
          userId: caller,
          lobby: lobbyInfo(result.lobby),
        });
      }
      return reply.code(204).send();
    },
  });

  app.route({
    method: R.setLobbyMetadata.method,
    url: R.setLobbyMetadata.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId, body: Bodies.metadataPatch },
    handler: async (request) => {
      const lobby = await asOwner(lobbyId(request), callerOf(request));
      const patch = patchOf(request.body as RouteBody<"setLobbyMetadata">);
      checkSize(lobby.metadata, patch);
      const updated = await store.updateLobbyMetadata(lobby.id, patch);
      const info = lobbyInfo(updated);
      tell(updated, { type: "lobby.changed", lobby: info });
      return info;
    },
  });

  app.route({
    method: R.setParticipantMetadata.method,
    url: R.setParticipantMetadata.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId, body: Bodies.metadataPatch },
    handler: async (request) => {
      const caller = callerOf(request);
      const lobby = await asMember(lobbyId(request), caller);
      const patch = patchOf(request.body as RouteBody<"setParticipantMetadata">);
      checkSize(lobby.members.find((m) => m.userId === caller)?.metadata ?? {}, patch);
      const updated = await store.updateMemberMetadata(lobby.id, caller, patch);
      const info = lobbyInfo(updated);
      tell(updated, { type: "lobby.changed", lobby: info });
      return info;
    },
  });

  app.route({
    method: R.inviteToLobby.method,
    url: R.inviteToLobby.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId, body: Bodies.userRef },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      const lobby = await asMember(lobbyId(request), caller);
      const { userId } = request.body as RouteBody<"inviteToLobby">;
      const from = lobby.members.find((m) => m.userId === caller);
      await store.inviteToLobby(lobby.id, userId, ctx.nowMs());
      if (from !== undefined) {
        push.publish([userId], {
          type: "lobby.invited",
          lobby: lobbyInfo(lobby),
          from: publicUser({ id: from.userId, displayName: from.displayName }),
        });
      }
      return reply.code(204).send();
    },
  });

  app.route({
    method: R.kickFromLobby.method,
    url: R.kickFromLobby.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId, body: Bodies.userRef },
    handler: async (request) => {
      const caller = callerOf(request);
      const lobby = await asOwner(lobbyId(request), caller);
      const { userId } = request.body as RouteBody<"kickFromLobby">;
      if (userId === caller)
        throw new ApiError("bad_request", "The owner leaves instead of kicking themselves.", "body.userId");
      if (!isMember(lobby, userId))
        throw new ApiError("not_found", `User "${userId}" is not in the lobby.`, "body.userId");
      const result = await store.leaveLobby(lobby.id, userId);
      push.publish([userId], { type: "lobby.kicked", lobbyId: lobby.id, by: caller });
      const after = result.lobby;
      if (after === undefined) throw new ApiError("not_found", `Lobby "${lobby.id}" is gone.`);
      const info: LobbyInfo = lobbyInfo(after);
      tell(after, { type: "lobby.left", lobbyId: lobby.id, userId, lobby: info });
      return info;
    },
  });

  app.route({
    method: R.startMatch.method,
    url: R.startMatch.path,
    config: { auth: "user" },
    schema: { params: Params.lobbyId },
    handler: async (request) => {
      const caller = callerOf(request);
      const lobby = await asOwner(lobbyId(request), caller);
      return startMatch(ctx, lobby, caller);
    },
  });
}
