import { z } from "zod";
import { isUnknownField, issueField } from "../governance/index.js";
import { ERROR_STATUS, type ApiErrorCode } from "./errors.js";

/** Schemas shared by the routes, and the translation of a zod failure into a 400 naming the field. */

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .describe("Every error: a stable code, a message safe to show, and details (e.g. the field)");

export const SlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a lowercase slug (a-z, 0-9, -)");
export const IsoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
export const RunIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._:-]+$/, "must be a run id")
    .describe("The run id (= LangGraph thread id)"),
});

/** `content` for a JSON body or response. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T, description: string) {
  return { required: true, ...json(schema, description) } as const;
}

/** The error answers every protected route can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  const meaning: Record<number, string> = {
    400: "invalid input (the field at fault is in details.field)",
    401: "missing or invalid bearer token",
    403: "the caller's role may not do this",
    404: "no such object in the caller's scope",
    409: "conflict with the object's current state",
    413: "body too large",
    415: "body is not JSON",
    422: "a domain rule refused the request",
    429: "rate limit",
  };
  const out: Record<number, ReturnType<typeof json>> = {};
  for (const s of [401, 403, 429, ...statuses])
    out[s] = json(ErrorResponseSchema, meaning[s] ?? "error");
  return out;
}

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** The first issue of a zod error as the field at fault and a message (unknown keys named). */
export function firstFieldError(error: z.ZodError, root = ""): FieldError {
  const issue = error.issues[0];
  return {
    field: issueField(issue, root),
    message: isUnknownField(issue) ? "unknown field (not accepted)" : (issue?.message ?? "invalid"),
  };
}
