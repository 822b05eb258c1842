/**
 * Cloud-save routes. Every slot belongs to the caller (the user id comes from the access token,
 * never from the request), so nobody can read or change another user's saves. The attachment
 * travels as base64 of msgpackr bytes inside JSON; the route's body limit is sized from
 * `saves.maxAttachmentBytes` so an oversized upload is refused (413) from its Content-Length before
 * it is read. Versions make concurrent writes visible: a stale `expectedVersion` is a 409.
 */
import type { FastifyInstance } from "fastify";
import { Limits, Routes, type RouteBody, type RouteQuery } from "../../../api";
import { callerOf } from "../auth";
import { saveInfo, type ServicesContext } from "../context";
import { ApiError } from "../errors";
import { Bodies, Params, Queries } from "../schemas";

/** Room for the JSON around the attachment: title, description, flags and quoting. */
const SAVE_ENVELOPE_BYTES = Limits.saveTitleMax * 4 + Limits.saveDescriptionMax * 4 + 512;

/** Largest body the save route accepts for a given attachment limit. */
export function saveBodyLimit(maxAttachmentBytes: number): number {
  return Math.ceil(maxAttachmentBytes / 3) * 4 + SAVE_ENVELOPE_BYTES;
}

/** Registers the save routes. */
export function saveRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store } = ctx;
  const R = Routes;
  const { maxAttachmentBytes, maxSlots } = ctx.config.saves;

  app.route({
    method: R.listSaves.method,
    url: R.listSaves.path,
    config: { auth: "user" },
    handler: async (request) => ({ saves: (await store.listSaves(callerOf(request))).map(saveInfo) }),
  });

  app.route({
    method: R.getSave.method,
    url: R.getSave.path,
    config: { auth: "user" },
    schema: { params: Params.slot },
    handler: async (request) => {
      const { slot } = request.params as { slot: string };
      const save = await store.getSave(callerOf(request), slot);
      if (save === undefined) throw new ApiError("not_found", `Save slot "${slot}" is empty.`);
      return { ...saveInfo(save), attachment: Buffer.from(save.data).toString("base64") };
    },
  });

  app.route({
    method: R.setSave.method,
    url: R.setSave.path,
    config: { auth: "user" },
    bodyLimit: saveBodyLimit(maxAttachmentBytes),
    schema: { params: Params.slot, body: Bodies.setSave },
    handler: async (request) => {
      const caller = callerOf(request);
      const { slot } = request.params as { slot: string };
      const body = request.body as RouteBody<"setSave">;
      const data = Buffer.from(body.attachment, "base64");
      if (data.length > maxAttachmentBytes) {
        throw new ApiError(
          "payload_too_large",
          `The attachment is ${data.length} bytes; the limit is ${maxAttachmentBytes}.`,
          "body.attachment",
        );
      }
      const existing = await store.listSaves(caller);
      if (existing.length >= maxSlots && !existing.some((s) => s.slot === slot)) {
        throw new ApiError("forbidden", `At most ${maxSlots} save slots per user; delete one first.`);
      }
      const write: Parameters<typeof store.setSave>[2] = {
        title: body.title,
        description: body.description,
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
        replace: body.replace,
      };
      if (body.expectedVersion !== undefined) write.expectedVersion = body.expectedVersion;
      return saveInfo(await store.setSave(caller, slot, write, ctx.nowMs()));
    },
  });

  app.route({
    method: R.deleteSave.method,
    url: R.deleteSave.path,
    config: { auth: "user" },
    schema: { params: Params.slot, querystring: Queries.deleteSave },
    handler: async (request, reply) => {
      const { slot } = request.params as { slot: string };
      const { expectedVersion } = request.query as RouteQuery<"deleteSave">;
      await store.deleteSave(callerOf(request), slot, expectedVersion);
      return reply.code(204).send();
    },
  });
}
