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

describe("bounded post-ack work", () => {
  it("runs at most `concurrency` tasks at once, the rest in order, and drops past the queue bound", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "error" }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const tasks = createBackgroundTasks(log, { concurrency: 2, maxQueued: 3 });
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      tasks.run(`t${i}`, async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        active -= 1;
      });
    }
    expect(tasks.size).toBe(5);
    await tasks.idle();
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(lines).toEqual([
      expect.objectContaining({ task: "t5", msg: expect.stringContaining("dropped") }),
    ]);
  });
});
