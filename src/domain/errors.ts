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
 * Failures worth another attempt: a deadlock or serialization failure (Postgres chose a
 * victim), a lost or refused connection (SQLSTATE class 08, an administrator's or crash
 * shutdown 57P01-57P03, too many connections 53300; postgres.js's own connection codes;
 * the socket's), wherever they sit in the cause chain.
 */
const TRANSIENT_CODES =
  /^(40001|40P01|08[0-9A-Z]{3}|57P0[123]|53300|CONNECTION_(CLOSED|ENDED|DESTROYED)|CONNECT_TIMEOUT|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/;

/** Postgres's data-exception class: its messages quote the offending value. */
const DATA_EXCEPTION = /^22/;
const MAX_DB_MESSAGE = 200;
const MAX_CHAIN = 8;

/** The single conversion at a boundary: anything thrown becomes an AppError. */
export function asAppError(value: unknown, fallback: ErrorCode = ErrorCode.Internal): AppError {
  if (value instanceof AppError) return value;
  const chain = causeChain(value);
  const inner = chain.find((e): e is AppError => e instanceof AppError);
  if (inner) return new AppError(inner.code, inner.message, { ...inner, cause: value });
  const retryable = chain.some((e) => TRANSIENT_CODES.test(codeOf(e) ?? ""));
  const db = databaseFailure(chain);
  if (db) return new AppError(fallback, db.message, { cause: db, retryable });
  const message = value instanceof Error ? value.message : String(value);
  return new AppError(fallback, message, { cause: value, retryable });
}

/**
 * The error itself if no statement or database error is in its chain; otherwise a copy
 * that keeps the SQLSTATE, the table, constraint and column, a short message and the
 * stack frames, and drops the statement text and its parameters. Every error that is
 * stored or logged passes through this (asAppError, the logger's serializer): a failed
 * statement must not copy a ticket's text, or a row, into runs.error or the log.
 */
export function withoutStatement(value: unknown): unknown {
  if (value instanceof AppError) {
    const cause = value.cause === undefined ? undefined : withoutStatement(value.cause);
    if (cause === value.cause) return value;
    const copy = new AppError(value.code, value.message, { ...value, cause });
    copy.stack = value.stack;
    return copy;
  }
  return databaseFailure(causeChain(value)) ?? value;
}

/** A database failure, described without its statement: see {@link withoutStatement}. */
export class DatabaseFailure extends Error {
  readonly code: string | undefined;
  readonly table: string | undefined;
  readonly constraint: string | undefined;
  readonly column: string | undefined;

  constructor(fields: {
    message: string;
    code?: string | undefined;
    table?: string | undefined;
    constraint?: string | undefined;
    column?: string | undefined;
    frames: string;
  }) {
    super(fields.message);
    this.name = "DatabaseFailure";
    this.code = fields.code;
    this.table = fields.table;
    this.constraint = fields.constraint;
    this.column = fields.column;
    this.stack = `${this.name}: ${fields.message}${fields.frames}`;
  }
}

function databaseFailure(chain: unknown[]): DatabaseFailure | undefined {
  const statementAt = chain.findIndex(carriesStatement);
  const driverAt = chain.findIndex(isDriverError);
  if (statementAt < 0 && driverAt < 0) return undefined;
  // The innermost error below the statement says what went wrong (the driver's error, or
  // a lost connection); the statement wrapper itself only repeats the query.
  const below = chain.slice(statementAt + 1);
  const driver = (driverAt >= 0 ? chain[driverAt] : below.at(-1)) as ErrorFields | undefined;
  const code = driver ? codeOf(driver) : undefined;
  const table = field(driver, "table_name", "table");
  const constraint = field(driver, "constraint_name", "constraint");
  const column = field(driver, "column_name", "column");
  const speaks = driver && (isDriverError(driver) || !carriesStatement(driver));
  let text = speaks ? String(driver.message ?? "") : "";
  if (code && DATA_EXCEPTION.test(code)) text = text.split(": ", 1)[0] ?? "";
  const where = [
    code && `sqlstate ${code}`,
    table && `table ${table}`,
    constraint && `constraint ${constraint}`,
    column && `column ${column}`,
  ].filter(Boolean);
  const summary = `database error${text ? `: ${text.slice(0, MAX_DB_MESSAGE)}` : ""}${where.length ? ` (${where.join(", ")})` : ""}`;
  return new DatabaseFailure({
    message: summary,
    code,
    table,
    constraint,
    column,
    frames: framesOf(chain[0]),
  });
}

interface ErrorFields {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  [key: string]: unknown;
}

/** The error and its causes, outermost first (bounded: a cycle ends the walk). */
function causeChain(value: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = value;
  while (current !== null && current !== undefined && chain.length < MAX_CHAIN) {
    if (chain.includes(current)) break;
    chain.push(current);
    current = typeof current === "object" ? (current as ErrorFields).cause : undefined;
  }
  return chain;
}

function codeOf(value: unknown): string | undefined {
  const code = typeof value === "object" && value ? (value as ErrorFields).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** A query builder's wrapper (drizzle's DrizzleQueryError): it holds the statement text and its parameters. */
function carriesStatement(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const e = value as ErrorFields;
  return typeof e.query === "string" && ("params" in e || "parameters" in e);
}

/** An error Postgres sent (postgres.js and PGlite both carry its severity and SQLSTATE). */
function isDriverError(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const e = value as ErrorFields;
  return typeof e.severity === "string" && typeof e.code === "string";
}

function field(value: ErrorFields | undefined, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = value?.[name];
    if (typeof v === "string" && v) return v;
  }
  return undefined;
}

function framesOf(value: unknown): string {
  const stack = value instanceof Error ? (value.stack ?? "") : "";
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  return frames.length ? `\n${frames.join("\n")}` : "";
}
