import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client.ts";
import { runs } from "../../src/db/schema.ts";
import { createTestDb, type TestDb, useTestDb } from "../setup/db.ts";

describe("storage", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  it("allows one active run per ticket, and a new one once the first has ended", async () => {
    await t.db.insert(runs).values({ id: "r1", ticket: "ENG-1", phase: "QUEUED" });
    await expect(
      t.db.insert(runs).values({ id: "r2", ticket: "ENG-1", phase: "QUEUED" }),
    ).rejects.toThrow();
    await t.db.update(runs).set({ outcome: "FAILED" }).where(eq(runs.id, "r1"));
    await t.db.insert(runs).values({ id: "r3", ticket: "ENG-1", phase: "QUEUED" });
    const active = await t.db.select().from(runs);
    expect(active.map((r) => r.id).sort()).toEqual(["r1", "r3"]);
  });

  it("migrates the embedded PGlite database with the same schema", async () => {
    const lite = openDb({ dataDir: "memory://" });
    await lite.migrate();
    await lite.db.insert(runs).values({ id: "p1", ticket: "ENG-9", phase: "QUEUED" });
    const [row] = await lite.db.select().from(runs).where(eq(runs.id, "p1"));
    expect(row?.phase).toBe("QUEUED");
    expect(row?.fencing).toBe(0);
    await lite.close();
  }, 120_000);
});

describe("migrations", () => {
  it("several processes migrating a fresh database at once all succeed", async () => {
    const fresh = await createTestDb({ migrated: false });
    const handles = Array.from({ length: 4 }, () =>
      openDb({ databaseUrl: fresh.url, maxConnections: 2 }),
    );
    try {
      await Promise.all(handles.map((h) => h.migrate()));
      const [row] = await handles[0]!.db.select().from(runs).limit(1);
      expect(row).toBeUndefined();
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await fresh.drop();
    }
  });
});
