/**
 * One error shape for the whole codebase (after bolt-js's coded errors): a stable code,
 * whether the runner may retry, and the cause. Adapters convert SDK errors once, at the
 * boundary, with {@link asAppError}; nothing matches errors by message string.
 */
export const ErrorCode = {
  ConfigInvalid: "config_invalid",
  IllegalTransition: "illegal_transition",
  StaleFencing: "stale_fencing",
  LeaseUnavailable: "lease_unavailable",
  RunNotFound: "run_not_found",
  KillSwitchEngaged: "kill_switch_engaged",
  EffectFailed: "effect_failed",
  AuditBroken: "audit_broken",
  SqlRefused: "sql_refused",
  PolicyInvalid: "policy_invalid",
  PolicyLoosening: "policy_loosening",
  ApprovalRefused: "approval_refused",
  BadInput: "bad_input",
  /** The provider answered that the thing asked for does not exist (HTTP 404). */
  NotFound: "not_found",
  Unauthorized: "unauthorized",
  UpstreamUnavailable: "upstream_unavailable",
  UpstreamRateLimited: "upstream_rate_limited",
  UpstreamRejected: "upstream_rejected",
  Timeout: "timeout",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** How long the provider asked us to wait before retrying (its Retry-After), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * Database failures worth another attempt: a deadlock or serialization failure (Postgres
 * chose a victim), and a lost or refused connection (SQLSTATE class 08, an
 * administrator's shutdown, too many connections; postgres.js's own connection codes).
 */
const TRANSIENT_DB_CODES =
  /^(40001|40P01|08\w{3}|57P0[123]|53300|CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNRESET|ECONNREFUSED)$/;

/** The single conversion at a boundary: anything thrown becomes an AppError. */
export function asAppError(value: unknown, fallback: ErrorCode = ErrorCode.Internal): AppError {
  if (value instanceof AppError) return value;
  const message = value instanceof Error ? value.message : String(value);
  const code = (value as { code?: unknown } | null)?.code;
  const retryable = typeof code === "string" && TRANSIENT_DB_CODES.test(code);
  return new AppError(fallback, message, { cause: value, retryable });
}
