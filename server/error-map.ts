import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { isPortfolioStoreError, isRunServiceError } from "../graph/index.js";
import { MarketDataError } from "../market/index.js";
import { isToolError } from "../tools/index.js";
import { ApiError, type ApiErrorCode } from "./errors.js";
import { firstFieldError } from "./schemas.js";

/**
 * The one translation of thrown errors into the API's closed error codes (used by the app's
 * onError and by streamed answers). Unknown errors map to null: the caller answers 500 and logs.
 */

const HTTP_CODES: Readonly<Record<number, ApiErrorCode>> = {
  400: "INVALID_INPUT",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

const MARKET_CODES: Readonly<Record<string, ApiErrorCode>> = {
  UNKNOWN_SYMBOL: "INVALID_INPUT",
  INVALID_REQUEST: "INVALID_INPUT",
};

/** Any thrown error as the API's error: a closed code, a safe message, details. */
export function apiErrorOf(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const code = HTTP_CODES[err.status] ?? "INVALID_INPUT";
    const message =
      code === "PAYLOAD_TOO_LARGE"
        ? "the body is larger than the server accepts"
        : code === "UNSUPPORTED_MEDIA_TYPE"
          ? "the body must be JSON (Content-Type: application/json)"
          : err.message || "invalid request";
    return new ApiError(code, message, code === "INVALID_INPUT" ? { field: "body" } : undefined);
  }
  if (err instanceof ZodError) {
    const { field, message } = firstFieldError(err);
    return new ApiError("INVALID_INPUT", message, { field });
  }
  if (isToolError(err)) return new ApiError(err.code, err.message, { field: err.field });
  if (isRunServiceError(err)) {
    const details = { runId: err.runId, runStatus: err.status };
    if (err.code === "RUN_NOT_FOUND" || err.code === "OUT_OF_SCOPE")
      return new ApiError("NOT_FOUND", `no run ${err.runId}`);
    if (err.code === "INVALID_DECISION") return new ApiError("INVALID_INPUT", err.message, details);
    if (err.code === "REASON_REQUIRED")
      return new ApiError("REASON_REQUIRED", err.message, { ...details, field: "reason" });
    return new ApiError(err.code, err.message, details);
  }
  if (isPortfolioStoreError(err)) {
    if (err.code === "NOT_FOUND") return new ApiError("NOT_FOUND", err.message);
    return new ApiError(err.code, err.message);
  }
  if (err instanceof MarketDataError) {
    const code = MARKET_CODES[err.code] ?? "UNAVAILABLE";
    return new ApiError(
      code,
      err.message,
      err.field === undefined ? { source: err.code } : { field: err.field },
    );
  }
  return null;
}
