/**
 * Local checks of call arguments (assert on write): a bad id, score or page size is a bug in the
 * calling code, so it throws at once with the name of the argument and the limit, instead of
 * costing a round trip that ends in a 400.
 */
import { ID_PATTERN, Limits, type Metadata } from "../api";

const ID = new RegExp(ID_PATTERN);

/** Throws unless `id` is 1–64 of `[A-Za-z0-9_.-]` (board, achievement and slot ids). */
export function assertId(what: string, id: string): void {
  if (typeof id !== "string" || id.length === 0 || id.length > Limits.idMax || !ID.test(id)) {
    throw new RangeError(
      `${what} must be 1–${Limits.idMax} characters of [A-Za-z0-9_.-], got ${JSON.stringify(id)}.`,
    );
  }
}

/** Throws unless `value` is a non-empty string (user and lobby ids are opaque strings). */
export function assertOpaqueId(what: string, value: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new RangeError(`${what} must be a non-empty id string, got ${JSON.stringify(value)}.`);
  }
}

/** Throws unless `value` is an integer within `min..max`. */
export function assertInt(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer within ${min}..${max}, got ${value}.`);
  }
}

/** Throws unless `value` is a finite number. */
export function assertFinite(what: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${value}.`);
  }
}

/** Throws unless `value` is a string of at most `max` characters. */
export function assertText(what: string, value: string, max: number): void {
  if (typeof value !== "string" || value.length > max) {
    throw new RangeError(`${what} must be a string of at most ${max} characters.`);
  }
}

/** Throws unless `metadata` fits the service's limits (keys, key length, value types and lengths). */
export function assertMetadata(what: string, metadata: Metadata): void {
  const keys = Object.keys(metadata);
  if (keys.length > Limits.metadataKeys) {
    throw new RangeError(`${what} may hold at most ${Limits.metadataKeys} keys, got ${keys.length}.`);
  }
  for (const key of keys) {
    if (key.length === 0 || key.length > Limits.metadataKeyMax) {
      throw new RangeError(`${what} key "${key}" must be 1–${Limits.metadataKeyMax} characters.`);
    }
    const value = metadata[key];
    if (typeof value === "number" ? !Number.isFinite(value) : typeof value !== "string") {
      throw new RangeError(`${what}.${key} must be a string or a finite number.`);
    }
    if (typeof value === "string" && value.length > Limits.metadataValueMax) {
      throw new RangeError(`${what}.${key} must be at most ${Limits.metadataValueMax} characters.`);
    }
  }
}

/** A query string (`?a=1&b=2`) of the defined entries, or "" when none. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text.length === 0 ? "" : `?${text}`;
}
