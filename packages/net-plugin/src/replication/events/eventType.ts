/**
 * Event types: a name and a codec for the payload. `defineEvent(name, schema)` makes a typed
 * event from a TypeBox schema, serialized with msgpackr and checked against the schema on both
 * ends (assert on write: a bad value throws; check on read: a bad payload decodes to `undefined`).
 * `defineEventWithCodec` takes any codec (e.g. a fixed-shape BitWriter layout).
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Packr } from "msgpackr";

/** Serializes one payload type. `decode` never throws: it returns `undefined` for bad bytes. */
export interface EventCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T | undefined;
  /** Stable text of the payload's shape, fed to the protocol hash. */
  readonly description: string;
}

/** A registered-able event type: its name (unique per registry) and payload codec. */
export interface EventType<T> {
  readonly name: string;
  readonly codec: EventCodec<T>;
}

/** The payload type of an event type. */
export type EventOf<E> = E extends EventType<infer T> ? T : never;

/** msgpackr without records or extensions: plain values only, no shared state between messages. */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** A msgpackr codec checked against a TypeBox schema. */
export function schemaCodec<S extends TSchema>(name: string, schema: S): EventCodec<Static<S>> {
  return {
    encode(value) {
      if (!Value.Check(schema, value)) {
        const first = Value.Errors(schema, value).First();
        throw new TypeError(
          `Event "${name}": value does not match its schema at "${first?.path ?? ""}" (${first?.message ?? "invalid"}).`,
        );
      }
      return packr.pack(value);
    },
    decode(bytes) {
      let value: unknown;
      try {
        value = packr.unpack(bytes);
      } catch {
        return undefined;
      }
      return Value.Check(schema, value) ? value : undefined;
    },
    description: JSON.stringify(schema),
  };
}

/** Defines an event type whose payload is described by a TypeBox schema. */
export function defineEvent<S extends TSchema>(name: string, schema: S): EventType<Static<S>> {
  checkName(name);
  return Object.freeze({ name, codec: schemaCodec(name, schema) });
}

/** Defines an event type with a custom codec. */
export function defineEventWithCodec<T>(name: string, codec: EventCodec<T>): EventType<T> {
  checkName(name);
  return Object.freeze({ name, codec });
}

function checkName(name: string): void {
  if (!/^[A-Za-z_][\w.-]{0,63}$/.test(name))
    throw new RangeError(
      `Event type name "${name}" must be 1–64 characters of letters, digits, _ . - (not starting with a digit).`,
    );
}
