import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The closed set of error codes the HTTP API answers with, and their statuses. `server/` maps
 * every thrown error to one of these in one `onError`; nothing else chooses a status.
 */
export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  INSUFFICIENT_DATA: 422,
  INFEASIBLE: 422,
  NUMERICAL: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_RUNS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  // Refusals of the approval service (graph RunServiceError), answered with their own code.
  NOT_AWAITING_APPROVAL: 409,
  NOT_RELEASED: 409,
  PROPOSAL_CHANGED: 409,
  EXPIRED: 409,
  DUPLICATE_APPROVER: 409,
  SELF_APPROVAL: 403,
  NOT_SUPERVISOR: 403,
  AGENT_CANNOT_APPROVE: 403,
  REASON_REQUIRED: 400,
  ACKNOWLEDGEMENT_REQUIRED: 422,
  VERSION_CONFLICT: 409,
  EXISTS: 409,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.details = details;
  }
  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly details?: Record<string, unknown>;
  };
}

export function errorBody(
  code: ApiErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}
