import { EventEmitter } from "node:events";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { logRedisErrors } from "./redis-errors.ts";

describe("logRedisErrors", () => {
  it("logs the first error of a burst as one JSON line, then one per interval with the suppressed count", () => {
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (l: string) => void lines.push(l) });
    const redis = new EventEmitter();
    let now = 0;
    logRedisErrors(redis, log, "queue", 30_000, () => now);
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), {
      code: "ECONNREFUSED",
    });
    for (let i = 0; i < 60; i += 1) {
      redis.emit("error", refused);
      now += 1_000; // ioredis retries about once a second at most
    }
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toMatchObject({ redis: "queue", code: "ECONNREFUSED", suppressed: 0 });
    expect(parsed[1]).toMatchObject({ suppressed: 29 });
    for (const l of lines) expect(l.trim().split("\n")).toHaveLength(1);
  });
});
