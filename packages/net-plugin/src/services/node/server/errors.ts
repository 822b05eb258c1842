/**
 * Error handling for the services HTTP API: one {@link ApiError} type for refusals the routes
 * decide, and a fastify error/not-found handler that turns every failure (schema validation,
 * oversized or malformed bodies, unexpected exceptions) into the `{ error: { code, message, field } }`
 * body of the wire contract.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { ApiErrorStatus, type ApiErrorBody, type ApiErrorCode } from "../../api";
import { ConflictError, NotFoundError, StoreError } from "../../store/errors";

/** A refusal with a wire error code; thrown by routes, answered by the error handler. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The wire body of an error. */
export function errorBody(code: ApiErrorCode, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `body.password` from fastify's validation context and an ajv issue. */
function validationField(context: string | undefined, issue: ValidationIssue | undefined): string {
  const segments = (issue?.instancePath ?? "").split("/").filter((s) => s.length > 0);
  const missing = issue?.params?.["missingProperty"];
  if (typeof missing === "string") segments.push(missing);
  const extra = issue?.params?.["additionalProperty"];
  if (typeof extra === "string") segments.push(extra);
  return [context ?? "body", ...segments].join(".");
}

/** Installs the error and not-found handlers on a fastify app. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(errorBody("not_found", `No route ${request.method} ${request.url.split("?")[0]}.`));
  });
  app.setErrorHandler((error: FastifyError | ApiError | StoreError, request, reply) => {
    if (error instanceof ApiError) {
      void reply.code(ApiErrorStatus[error.code]).send(errorBody(error.code, error.message, error.field));
      return;
    }
    if (error instanceof StoreError) {
      const code: ApiErrorCode =
        error instanceof ConflictError
          ? error.reason
          : error instanceof NotFoundError
            ? "not_found"
            : "bad_request";
      void reply.code(ApiErrorStatus[code]).send(errorBody(code, error.message));
      return;
    }
    if (error.validation !== undefined) {
      const issue = error.validation[0] as ValidationIssue | undefined;
      const field = validationField(error.validationContext, issue);
      const message = `${field} ${issue?.message ?? "is invalid"}`;
      void reply.code(400).send(errorBody("bad_request", message, field));
      return;
    }
    const status = error.statusCode ?? 500;
    if (status === 413) {
      void reply
        .code(413)
        .send(errorBody("payload_too_large", "The request body is larger than this route accepts."));
      return;
    }
    if (status === 429) {
      void reply.code(429).send(errorBody("rate_limited", error.message));
      return;
    }
    if (status >= 400 && status < 500) {
      // Malformed JSON, wrong content type, empty body: the client's fault, said plainly.
      void reply.code(400).send(errorBody("bad_request", error.message, "body"));
      return;
    }
    request.log.error({ err: error }, "services: unexpected error");
    void reply.code(500).send(errorBody("internal", "Internal error."));
  });
}
