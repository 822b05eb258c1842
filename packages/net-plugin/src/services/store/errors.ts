/**
 * Typed store errors. The server maps `code` (and `ConflictError.reason`) to its HTTP answer;
 * anything else a store throws is a bug or an outage (500).
 */
import type { ApiErrorCode } from "../api";

/** Base class of every error a store throws on purpose. */
export class StoreError extends Error {
  constructor(
    readonly code: "conflict" | "not_found" | "invalid",
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Why a write conflicted; each is also an API error code. */
export type ConflictReason = Extract<
  ApiErrorCode,
  "username_taken" | "save_exists" | "version_conflict" | "already_friends" | "lobby_full" | "lobby_started"
>;

/** A write refused because of the current state (taken username, stale version, full lobby, ...). */
export class ConflictError extends StoreError {
  constructor(
    readonly reason: ConflictReason,
    message: string,
  ) {
    super("conflict", message);
  }
}

/** The named thing does not exist. */
export class NotFoundError extends StoreError {
  constructor(
    readonly what: "user" | "board" | "achievement" | "save" | "lobby" | "member" | "friend" | "server",
    message: string,
  ) {
    super("not_found", message);
  }
}

/** An argument the store cannot take (score out of the board's bounds, not a safe integer, ...). */
export class InvalidError extends StoreError {
  constructor(message: string) {
    super("invalid", message);
  }
}
