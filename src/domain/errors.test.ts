import { describe, expect, it } from "vitest";
import { AppError, asAppError, ErrorCode } from "./errors.ts";

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
