/**
 * TypeBox schemas of every request body, query and path parameter of the wire contract (`../../api`),
 * checked by fastify's validator before a handler runs: a bad field answers 400 naming it. The
 * type-level checks at the bottom fail the build if a schema drifts from the contract.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import {
  ID_PATTERN,
  Limits,
  USERNAME_PATTERN,
  type LobbyFilter,
  type Metadata,
  type RouteBody,
} from "../../api";

const Id = Type.String({ minLength: 1, maxLength: Limits.idMax, pattern: ID_PATTERN });
/** User and lobby ids are opaque; bounded so they cannot be used to push large strings. */
const OpaqueId = Type.String({ minLength: 1, maxLength: 128 });
const DisplayName = Type.String({ minLength: Limits.displayNameMin, maxLength: Limits.displayNameMax });
const Username = Type.String({
  minLength: Limits.usernameMin,
  maxLength: Limits.usernameMax,
  pattern: USERNAME_PATTERN,
});
const Password = Type.String({ minLength: Limits.passwordMin, maxLength: Limits.passwordMax });
/**
 * A string or a number, as one JSON-schema type list: fastify's validator coerces types, and with a
 * union it would turn the number 1 into the string "1"; a type list keeps whichever was sent.
 */
const MetaValue = Type.Unsafe<string | number>({
  type: ["string", "number"],
  maxLength: Limits.metadataValueMax,
});
const MetadataSchema = Type.Record(Type.String(), MetaValue, {
  maxProperties: Limits.metadataKeys,
  propertyNames: { minLength: 1, maxLength: Limits.metadataKeyMax },
});
const Score = Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
const Count = Type.Integer({ minimum: 1, maximum: Limits.pageMax });

/** Path parameters. */
export const Params = {
  userId: Type.Object({ userId: OpaqueId }),
  board: Type.Object({ board: Id }),
  id: Type.Object({ id: Id }),
  slot: Type.Object({ slot: Id }),
  lobbyId: Type.Object({ lobbyId: OpaqueId }),
  serverId: Type.Object({ serverId: Id }),
};

/** Request bodies, by route name. */
export const Bodies = {
  guestLogin: Type.Object({
    deviceId: Type.String({ minLength: Limits.deviceIdMin, maxLength: Limits.deviceIdMax }),
    displayName: Type.Optional(DisplayName),
  }),
  register: Type.Object({ username: Username, password: Password, displayName: Type.Optional(DisplayName) }),
  login: Type.Object({ username: Username, password: Password }),
  upgrade: Type.Object({ username: Username, password: Password }),
  refresh: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 256 }) }),
  logout: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 256 }) }),
  updateMe: Type.Object({ displayName: DisplayName }),
  requestFriend: Type.Object({ userId: OpaqueId }),
  setScore: Type.Object({ score: Score }),
  setAchievement: Type.Object({
    unlocked: Type.Optional(Type.Boolean()),
    progress: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  setSave: Type.Object({
    title: Type.String({ maxLength: Limits.saveTitleMax }),
    description: Type.String({ maxLength: Limits.saveDescriptionMax }),
    attachment: Type.String({ pattern: "^[A-Za-z0-9+/]*={0,2}$" }),
    replace: Type.Boolean(),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  createLobby: Type.Object({
    maxParticipants: Type.Integer({ minimum: 1, maximum: Limits.lobbyParticipantsMax }),
    access: Type.Union([Type.Literal("public"), Type.Literal("private"), Type.Literal("friends")]),
    metadata: Type.Optional(MetadataSchema),
    participantMetadata: Type.Optional(MetadataSchema),
  }),
  findMatchingLobbies: Type.Object({
    filter: Type.Object({
      slots: Type.Optional(Type.Integer({ minimum: 0, maximum: Limits.lobbyParticipantsMax })),
      count: Type.Optional(Count),
      comparisons: Type.Optional(
        Type.Array(
          Type.Object({
            key: Type.String({ minLength: 1, maxLength: Limits.metadataKeyMax }),
            op: Type.Union([
              Type.Literal("eq"),
              Type.Literal("ne"),
              Type.Literal("lt"),
              Type.Literal("le"),
              Type.Literal("gt"),
              Type.Literal("ge"),
            ]),
            value: MetaValue,
          }),
          { maxItems: 16 },
        ),
      ),
    }),
  }),
  joinLobby: Type.Object({ metadata: Type.Optional(MetadataSchema) }),
  metadataPatch: Type.Object({
    set: Type.Optional(MetadataSchema),
    remove: Type.Optional(
      Type.Array(Type.String({ maxLength: Limits.metadataKeyMax }), { maxItems: Limits.metadataKeys }),
    ),
  }),
  userRef: Type.Object({ userId: OpaqueId }),
  registerServer: Type.Object({
    id: Id,
    addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: Limits.serverAddressesMax,
    }),
    capacity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    metadata: Type.Optional(MetadataSchema),
  }),
  heartbeatServer: Type.Object({ players: Type.Integer({ minimum: 0, maximum: 100_000 }) }),
  serverSetScore: Type.Object({ userId: OpaqueId, score: Score }),
  serverSetAchievement: Type.Object({
    userId: OpaqueId,
    unlocked: Type.Optional(Type.Boolean()),
    progress: Type.Optional(Type.Number({ minimum: 0 })),
  }),
};

/** Query strings, by route name. */
export const Queries = {
  findUser: Type.Object({ username: Username }),
  getGlobalScores: Type.Object({
    from: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    count: Type.Optional(Count),
  }),
  getScoresAroundMe: Type.Object({ count: Type.Optional(Count) }),
  deleteSave: Type.Object({ expectedVersion: Type.Optional(Type.Integer({ minimum: 0 })) }),
};

/** Wraps schemas into a fastify route `schema` option. */
export function schema(parts: { body?: TSchema; querystring?: TSchema; params?: TSchema }): {
  schema: typeof parts;
} {
  return { schema: parts };
}

// Compile-time drift checks: each schema's static type must be assignable to the contract's.
type Assert<A extends B, B> = A;
export type DriftChecks = [
  Assert<Static<typeof Bodies.register>, RouteBody<"register">>,
  Assert<Static<typeof Bodies.guestLogin>, RouteBody<"guestLogin">>,
  Assert<Static<typeof Bodies.upgrade>, RouteBody<"upgrade">>,
  Assert<Static<typeof Bodies.setSave>, RouteBody<"setSave">>,
  Assert<Static<typeof Bodies.createLobby>, RouteBody<"createLobby">>,
  Assert<Static<typeof Bodies.findMatchingLobbies>["filter"], LobbyFilter>,
  Assert<Static<typeof MetadataSchema>, Metadata>,
  Assert<Static<typeof Bodies.registerServer>, RouteBody<"registerServer">>,
  Assert<Static<typeof Bodies.serverSetAchievement>, RouteBody<"serverSetAchievement">>,
];
