/**
 * The one error type every online-service call fails with: a machine-readable `code` (branch on
 * it) and a human-readable `message` (log it). Codes the service sends (`save_exists`,
 * `lobby_full`, `rate_limited`, ... — see `ApiErrorStatus` in `services/api`) pass through
 * unchanged; conditions only the client sees get their own codes below.
 */
import { ApiErrorStatus, type ApiErrorCode } from "../api";

/** Failures detected on the client side, never sent by the service. */
export type ClientErrorCode =
  /** The service could not be reached (connection refused or reset, DNS failure). */
  | "unavailable"
  /** No answer within the request timeout. */
  | "timeout"
  /** Queued while disconnected, and the session did not come back in time (or the queue was full). */
  | "disconnected"
  /** The service answered with something this client could not decode. */
  | "invalid_response";

/** Why a service call failed: a service code (`ApiErrorCode`) or a {@link ClientErrorCode}. */
export type ServiceErrorCode = ApiErrorCode | ClientErrorCode;

/** A failed service call: `code` to branch on, `message` to show or log, `status` when HTTP answered. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    /** The HTTP status when the service answered, else 0. */
    readonly status = 0,
    /** The offending input (e.g. `body.password`) when the service named one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

/** True when `code` is one the service may send. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ApiErrorStatus, code);
}

/** Builds the error for a non-2xx answer from its status and (checked, never trusted) JSON body. */
export function errorFromResponse(status: number, body: unknown, what: string): ServiceError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = error && isApiErrorCode(error.code) ? error.code : fallbackCode(status);
  const message =
    error && typeof error.message === "string" ? error.message : `${what} answered HTTP ${status}`;
  const field = error && typeof error.field === "string" ? error.field : undefined;
  return new ServiceError(code, message, status, field);
}

function fallbackCode(status: number): ServiceErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limited";
  if (status === 503) return "no_server";
  return status >= 500 ? "internal" : "bad_request";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
