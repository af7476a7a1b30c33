import { describe, expect, it } from "vitest";
import { AppError, asAppError, ErrorCode, withoutStatement } from "./errors.ts";

describe("asAppError", () => {
  it("keeps an AppError as it is", () => {
    const original = new AppError(ErrorCode.StaleFencing, "moved on");
    expect(asAppError(original)).toBe(original);
  });

  it.each([
    ["40P01", true], // deadlock detected: Postgres chose this statement as the victim
    ["40001", true], // serialization failure
    ["08006", true], // connection failure
    ["57P01", true], // administrator shutdown
    ["CONNECTION_CLOSED", true], // postgres.js
    ["ECONNREFUSED", true],
    ["23505", false], // a unique violation will fail again
    ["42P01", false], // undefined table
    [undefined, false],
  ])("a thrown error with code %s is retryable: %s", (code, retryable) => {
    const thrown = Object.assign(new Error("boom"), code === undefined ? {} : { code });
    const error = asAppError(thrown);
    expect(error.code).toBe(ErrorCode.Internal);
    expect(error.retryable).toBe(retryable);
    expect(error.cause).toBe(thrown);
  });
});

describe("asAppError walks the cause chain", () => {
  /** drizzle's DrizzleQueryError: the statement and parameters on the wrapper, the code on its cause. */
  function wrapped(cause: unknown): Error {
    return Object.assign(new Error("Failed query: select $1\nparams: SECRET-PARAM"), {
      query: "select $1",
      params: ["SECRET-PARAM"],
      cause,
    });
  }

  it.each([
    "CONNECTION_CLOSED",
    "CONNECTION_ENDED",
    "CONNECTION_DESTROYED",
    "CONNECT_TIMEOUT",
    "ECONNRESET",
    "57P02",
    "57P03",
    "08P01",
    "53300",
  ])("a wrapped %s is retryable and its message drops the statement", (code) => {
    const error = asAppError(wrapped(Object.assign(new Error(`write ${code}`), { code })));
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain("SECRET-PARAM");
    expect(error.message).not.toContain("select $1");
  });

  it("a wrapped constraint violation is permanent and keeps what an operator acts on", () => {
    const driver = Object.assign(new Error('duplicate key value violates unique constraint "k"'), {
      severity: "ERROR",
      code: "23505",
      table_name: "runs",
      constraint_name: "k",
      detail: "Key (id)=(SECRET-PARAM) already exists.",
    });
    const error = asAppError(wrapped(driver));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'database error: duplicate key value violates unique constraint "k" (sqlstate 23505, table runs, constraint k)',
    );
  });

  it("an AppError deeper in the chain keeps its code and retryability", () => {
    const inner = new AppError(ErrorCode.StaleFencing, "moved on");
    const error = asAppError(new Error("outer", { cause: inner }));
    expect(error.code).toBe(ErrorCode.StaleFencing);
    expect(error.retryable).toBe(false);
  });

  it("a cyclic cause chain ends the walk", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(asAppError(a).message).toBe("a");
  });

  it("an error without a statement is logged as it is", () => {
    const plain = new Error("plain");
    expect(withoutStatement(plain)).toBe(plain);
  });
});
