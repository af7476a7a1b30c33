import { and, asc, eq } from "drizzle-orm";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { auditEvents, killSwitches } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import {
  activeKillSwitch,
  engage,
  killSwitchQuery,
  listEngagedKillSwitches,
  release,
} from "../../src/policy/kill-switches.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";
import { runCliCaptured } from "../setup/io.ts";

describe("kill switches", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  it("audits engage and release in the same transaction, and the audit chain verifies", async () => {
    const on = await engage(t.db, "team", "payments", { actor: "U0AMY", reason: "deploy freeze" });
    expect(on).toMatchObject({ changed: true, engaged: true, actor: "U0AMY" });
    const again = await engage(t.db, "team", "payments", { actor: "U0BEN", reason: "again" });
    expect(again).toMatchObject({ changed: false, actor: "U0AMY", reason: "deploy freeze" });
    const off = await release(t.db, "team", "payments", { actor: "U0BEN", reason: "thawed" });
    expect(off).toMatchObject({ changed: true, engaged: false });
    expect((await release(t.db, "team", "payments", { actor: "U0BEN" })).changed).toBe(false);

    const events = await t.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    expect(events.map((e) => [e.type, e.actor, e.chain])).toEqual([
      ["kill_switch.engaged", "U0AMY", "global"],
      ["kill_switch.released", "U0BEN", "global"],
    ]);
    expect(events[0]!.payload).toMatchObject({
      scope: "team",
      value: "payments",
      reason: "deploy freeze",
    });
    expect(events[1]!.payload).toMatchObject({
      reason: "thawed",
      previous: { actor: "U0AMY", reason: "deploy freeze" },
    });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, events: 2 });
    const [row] = await t.db
      .select()
      .from(killSwitches)
      .where(and(eq(killSwitches.scope, "team"), eq(killSwitches.value, "payments")));
    expect(row).toMatchObject({ engaged: false, actor: "U0BEN" });
  });

  it("matches global, team, service and capability switches, broadest first", async () => {
    const target = { team: "payments", service: "checkout", capability: "open_pr" as const };
    expect(await activeKillSwitch(t.db, target)).toBeNull();

    await engage(t.db, "capability", "open_pr", { actor: "a", reason: "cap" });
    expect(await activeKillSwitch(t.db, target)).toMatchObject({
      scope: "capability",
      value: "open_pr",
      reason: "cap",
      actor: "a",
      source: "database",
    });
    expect(await activeKillSwitch(t.db, { ...target, capability: "slack_post" })).toBeNull();

    await engage(t.db, "service", "checkout", { actor: "b", reason: "svc" });
    expect((await activeKillSwitch(t.db, target))?.scope).toBe("service");
    expect(await activeKillSwitch(t.db, { team: "payments", service: "ledger" })).toBeNull();

    await engage(t.db, "team", "payments", { actor: "c", reason: "team" });
    expect((await activeKillSwitch(t.db, target))?.scope).toBe("team");
    expect(await activeKillSwitch(t.db, { team: "growth" })).toBeNull();

    await engage(t.db, "global", "", { actor: "d", reason: "all stop" });
    expect(await activeKillSwitch(t.db, { team: "growth" })).toMatchObject({
      scope: "global",
      value: "",
      reason: "all stop",
      actor: "d",
    });
    expect((await activeKillSwitch(t.db, {}))?.scope).toBe("global");

    await release(t.db, "global", null, { actor: "d" });
    await release(t.db, "team", "payments", { actor: "c" });
    expect((await activeKillSwitch(t.db, target))?.scope).toBe("service");
    await release(t.db, "service", "checkout", { actor: "b" });
    await release(t.db, "capability", "open_pr", { actor: "a" });
    expect(await activeKillSwitch(t.db, target)).toBeNull();
    expect(await listEngagedKillSwitches(t.db)).toEqual([]);
  });

  it("counts switches declared in policy, the broader one winning over the database", async () => {
    const policy = {
      kill_switches: [
        { scope: "capability" as const, value: "linear_comment", reason: "Linear outage" },
      ],
    };
    expect(
      await activeKillSwitch(t.db, { team: "payments", capability: "linear_comment" }, policy),
    ).toMatchObject({
      scope: "capability",
      actor: "policy",
      source: "policy",
      reason: "Linear outage",
    });
    expect(
      await activeKillSwitch(t.db, { team: "payments", capability: "slack_post" }, policy),
    ).toBeNull();
    await engage(t.db, "team", "payments", { actor: "U1", reason: "freeze" });
    expect(
      await activeKillSwitch(t.db, { team: "payments", capability: "linear_comment" }, policy),
    ).toMatchObject({ scope: "team", source: "database" });
  });

  it("looks switches up with one query through the (scope, value) index", async () => {
    const query = killSwitchQuery(t.db, {
      team: "payments",
      service: "checkout",
      capability: "open_pr",
    }).toSQL();
    const client = postgres(t.url, { max: 1, onnotice: () => {} });
    try {
      // The table is tiny in tests, so forbid the sequential scan to see the index is usable.
      const plan = await client.begin(async (tx) => {
        await tx.unsafe("set local enable_seqscan = off");
        return tx.unsafe(`explain ${query.sql}`, query.params as never[]);
      });
      expect(JSON.stringify(plan)).toContain("kill_switches_scope_value_pk");
    } finally {
      await client.end();
    }
  });

  it("refuses unknown scopes, bad names and unknown capabilities", async () => {
    for (const [scope, value] of [
      ["region", "eu"],
      ["global", "x"],
      ["team", "../x"],
      ["capability", "drop_db"],
    ] as const) {
      await expect(engage(t.db, scope as "team", value, { actor: "a" })).rejects.toSatisfy(
        (e: unknown) => e instanceof AppError && e.code === ErrorCode.BadInput,
      );
    }
    expect(await t.db.select().from(auditEvents)).toEqual([]);
  });

  describe("prode pause / resume", () => {
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env.DATABASE_URL;
      process.env.DATABASE_URL = t.url;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    });

    it("pauses and resumes a scope, printing what changed and what stays engaged", async () => {
      const a = await runCliCaptured([
        "pause",
        "team",
        "payments",
        "--reason",
        "freeze",
        "--actor",
        "U0AMY",
      ]);
      expect(a.code).toBe(0);
      expect(a.stdout).toBe("paused: team payments (kill switch engaged by U0AMY: freeze)\n");
      const b = await runCliCaptured(["pause", "--actor", "U0BEN"]);
      expect(b.code).toBe(0);
      expect(b.stdout).toBe(
        "paused: global (kill switch engaged by U0BEN)\nstill engaged: kill switch team payments engaged by U0AMY: freeze\n",
      );
      const c = await runCliCaptured(["resume", "--actor", "U0BEN"]);
      expect(c.code).toBe(0);
      expect(c.stdout).toBe(
        "resumed: global (released by U0BEN)\nstill engaged: kill switch team payments engaged by U0AMY: freeze\n",
      );
      const d = await runCliCaptured(["resume", "global"]);
      expect(d.code).toBe(0);
      expect(d.stdout).toContain("not paused: global");
      expect((await activeKillSwitch(t.db, { team: "payments" }))?.scope).toBe("team");
      const types = (await t.db.select().from(auditEvents).orderBy(asc(auditEvents.id))).map(
        (e) => e.type,
      );
      expect(types).toEqual(["kill_switch.engaged", "kill_switch.engaged", "kill_switch.released"]);
    });

    it.each([
      [["region", "eu"], "unknown scope 'region'"],
      [["team"], "'team' needs a value"],
      [["capability", "drop_db"], "unknown capability 'drop_db'"],
      [["global", "extra"], "the global kill switch takes no value"],
      [["team", "a", "b"], "unexpected argument 'b'"],
      [["--force"], "Unknown option '--force'"],
    ])("exits 2 with usage for %j", async (args, message) => {
      const x = await runCliCaptured(["pause", ...args]);
      expect(x.code).toBe(2);
      expect(x.stderr).toContain(message);
      expect(x.stderr).toContain("Usage: prode pause [global | team T | service S | capability C]");
      expect(await t.db.select().from(killSwitches)).toEqual([]);
    });
  });
});
