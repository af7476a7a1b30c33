import pino from "pino";
import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { createBackgroundTasks } from "./background.ts";

describe("background tasks after an ack", () => {
  it("runs tasks detached, logs failures with their code, and idles when all are done", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "error" }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const tasks = createBackgroundTasks(log);
    const done: string[] = [];
    tasks.run("slow", async () => {
      await new Promise((r) => setTimeout(r, 30));
      // Work started from a task is waited for too.
      tasks.run("nested", async () => {
        done.push("nested");
      });
      done.push("slow");
    });
    tasks.run("broken", async () => {
      throw new AppError(ErrorCode.UpstreamRejected, "channel_not_found");
    });
    expect(done).toEqual([]);
    await tasks.idle();
    expect(done).toEqual(["slow", "nested"]);
    expect(tasks.size).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ task: "broken", code: "upstream_rejected" });
  });
});
