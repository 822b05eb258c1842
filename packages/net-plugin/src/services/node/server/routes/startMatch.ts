/**
 * Starting a lobby's match: pick a live registered game server with room for every member (the
 * store reserves the seats atomically), mark the lobby started, and mint one connect token per
 * member with the Net layer's `generateConnectToken`. Each member receives theirs as a
 * `lobby.started` push; the owner also gets theirs in the answer. The token's client id is the
 * first 8 bytes of SHA-256(user id) and its user data is the user id (UTF-8), so the game server
 * knows who connected.
 */
import { createHash } from "node:crypto";
import { generateConnectToken } from "../../../../protocol/connectToken";
import type { ConnectTokenWire, GameServerInfo } from "../../../api";
import type { LobbyRecord } from "../../../store/records";
import { gameServerInfo, type ServicesContext } from "../context";
import { ApiError } from "../errors";

/** The uint64 client id of a user. */
export function clientIdOf(userId: string): bigint {
  return createHash("sha256").update(userId).digest().readBigUInt64LE(0);
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/** Mints a connect token for one user to one server. */
export function connectTokenFor(ctx: ServicesContext, userId: string, addresses: string[]): ConnectTokenWire {
  const g = ctx.config.gameServers;
  const issued = generateConnectToken(
    {
      protocolId: BigInt(g.protocolId),
      clientId: clientIdOf(userId),
      serverAddresses: addresses,
      expireSeconds: g.connectTokenExpireSeconds,
      timeoutSeconds: g.connectTokenTimeoutSeconds,
      userData: new TextEncoder().encode(userId),
      nowSeconds: Math.floor(ctx.nowMs() / 1000),
    },
    ctx.connectTokenKey,
  );
  return {
    token: b64(issued.bytes),
    clientToServerKey: b64(issued.clientToServerKey),
    serverToClientKey: b64(issued.serverToClientKey),
    clientId: issued.clientId.toString(),
    serverAddresses: issued.serverAddresses,
    expiresAt: issued.expiresAt * 1000,
  };
}

/** Starts `lobby` (owned by `ownerId`) on a game server; 503 `no_server` if none has room. */
export async function startMatch(
  ctx: ServicesContext,
  lobby: LobbyRecord,
  ownerId: string,
): Promise<{ server: GameServerInfo; connectToken: ConnectTokenWire }> {
  if (lobby.state === "started") throw new ApiError("lobby_started", `Lobby "${lobby.id}" already started.`);
  const aliveSince = ctx.nowMs() - ctx.config.gameServers.timeoutSeconds * 1000;
  const picked = await ctx.store.pickServer(aliveSince, lobby.members.length);
  if (picked === undefined) {
    throw new ApiError(
      "no_server",
      `No live game server has room for ${lobby.members.length} players; retry shortly.`,
    );
  }
  const started = await ctx.store.startLobby(lobby.id, picked.id, ctx.nowMs());
  const server = gameServerInfo(picked);
  let ownerToken: ConnectTokenWire | undefined;
  for (const member of started.members) {
    const connectToken = connectTokenFor(ctx, member.userId, picked.addresses);
    if (member.userId === ownerId) ownerToken = connectToken;
    ctx.push.publish([member.userId], { type: "lobby.started", lobbyId: lobby.id, server, connectToken });
  }
  return { server, connectToken: ownerToken ?? connectTokenFor(ctx, ownerId, picked.addresses) };
}
