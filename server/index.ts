export { createApp } from "./app.js";
export type { AppDeps } from "./app.js";
export { loadConfig, ConfigError } from "./config.js";
export type { Config } from "./config.js";
export { ApiError, ERROR_STATUS, errorBody } from "./errors.js";
export type { ApiErrorCode, ErrorBody } from "./errors.js";
export { createLogger } from "./logger.js";
export type { Logger } from "./logger.js";
export { startServer } from "./serve.js";
export type { RunningServer } from "./serve.js";
export { readVersion } from "./version.js";
export {
  AuthError,
  bearerOf,
  createTokenVerifier,
  mintToken,
  resolveJwtSecret,
  ROLES,
} from "./auth.js";
export type { AuthFailure, Principal, Role, TokenVerifier } from "./auth.js";
export { ACCESS, type Operation } from "./access.js";
