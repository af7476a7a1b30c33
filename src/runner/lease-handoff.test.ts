import { describe, expect, it } from "vitest";
import { LeaseHandoffs } from "./lease-handoff.ts";
import type { RunRow } from "./types.ts";

const row = (id: string, seq: number, fencing: number) => ({ id, seq, fencing }) as RunRow;

describe("LeaseHandoffs", () => {
  it("gives a kept lease once, to the job carrying its fencing counter", () => {
    const kept = new LeaseHandoffs({ leaseMs: 1_000, clock: () => 0 });
    kept.keep(row("r1", 3, 7));
    expect(kept.take("r1", 3, 6)).toBeUndefined(); // another counter: not this lease
    kept.keep(row("r1", 3, 7));
    expect(kept.take("r1", 4, 7)).toBeUndefined(); // another step
    expect(kept.take("r1", 3, 7)).toMatchObject({ id: "r1", seq: 3, fencing: 7 });
    expect(kept.take("r1", 3, 7)).toBeUndefined(); // used once
    expect(kept.size).toBe(0);
  });

  it("does not give a lease once half of it has passed", () => {
    let now = 0;
    const kept = new LeaseHandoffs({ leaseMs: 1_000, clock: () => now });
    kept.keep(row("r1", 1, 1));
    kept.keep(row("r2", 1, 1));
    now = 500;
    expect(kept.take("r1", 1, 1)).toBeDefined();
    now = 501;
    expect(kept.take("r2", 1, 1)).toBeUndefined();
  });

  it("drops entries too old to use and stays within its bound", () => {
    let now = 0;
    const kept = new LeaseHandoffs({ leaseMs: 1_000, max: 3, clock: () => now });
    kept.keep(row("old", 1, 1));
    now = 600;
    kept.keep(row("a", 1, 1));
    expect(kept.size).toBe(1); // "old" could no longer be used
    kept.keep(row("b", 1, 1));
    kept.keep(row("c", 1, 1));
    kept.keep(row("d", 1, 1));
    expect(kept.size).toBe(3);
    expect(kept.take("a", 1, 1)).toBeUndefined(); // the oldest went first
    expect(kept.take("d", 1, 1)).toBeDefined();
  });

  it("withdraws a kept lease only while no job has taken it, and only once", () => {
    const kept = new LeaseHandoffs({ leaseMs: 1_000, clock: () => 0 });
    kept.keep(row("r1", 3, 7));
    kept.keep(row("r2", 5, 2));
    expect(kept.waiting().map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(kept.withdraw(row("r1", 3, 6))).toBe(false); // another counter: not this lease
    expect(kept.withdraw(row("r1", 3, 7))).toBe(true);
    expect(kept.withdraw(row("r1", 3, 7))).toBe(false);
    expect(kept.take("r1", 3, 7)).toBeUndefined(); // a new job adopts it in Postgres
    expect(kept.take("r2", 5, 2)).toBeDefined();
    expect(kept.withdraw(row("r2", 5, 2))).toBe(false); // running here: no second job
    expect(kept.waiting()).toEqual([]);
  });

  it("lists as waiting only the leases a job could still take", () => {
    let now = 0;
    const kept = new LeaseHandoffs({ leaseMs: 1_000, clock: () => now });
    kept.keep(row("old", 1, 1));
    now = 400;
    kept.keep(row("new", 1, 1));
    now = 600;
    expect(kept.waiting().map((r) => r.id)).toEqual(["new"]);
  });
});
