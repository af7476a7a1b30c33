import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { createLinearGateway } from "../../src/adapters/linear/client.ts";
import { runs } from "../../src/db/schema.ts";
import { startTriage } from "../../src/intake/intake.ts";
import { pollOnce } from "../../src/intake/poller.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { quietLog, runRow } from "../setup/runner.ts";

describe("the Linear poller (missed webhooks)", () => {
  let t: TestDb;
  let world: World;
  beforeAll(async () => {
    t = await createTestDb();
    const base = await findScenario("abort-noise");
    const missed = {
      ...base.ticket,
      identifier: "ENG-7001",
      title: "Missed by the webhook",
      comments: [],
      attachments: [],
    };
    const closed = {
      ...base.ticket,
      identifier: "ENG-7002",
      title: "Already fixed",
      state: "Done",
      comments: [],
      attachments: [],
    };
    const unlabelled = {
      ...base.ticket,
      identifier: "ENG-7003",
      labels: ["bug"],
      comments: [],
      attachments: [],
    };
    world = await startWorld({
      scenario: {
        ...base,
        linear: { ...base.linear, issues: [...base.linear.issues, missed, closed, unlabelled] },
      },
    });
  });
  afterAll(async () => {
    await world.close();
    await t.drop();
  });

  /** The poller's dependencies, its Linear gateway talking to the simulated world. */
  function pollerDeps(
    triggerLabels: string[],
    enqueue: (d: { runId: string }) => Promise<void> = async () => {},
  ) {
    const linear = createLinearGateway({
      apiKey: world.scenario.linear.apiKey,
      apiUrl: world.urls.linear,
    });
    return { db: t.db, enqueue, log: quietLog, triggerLabels, linear };
  }

  it("starts a run for each labelled, open ticket that never had one, and only once", async () => {
    const enqueued: string[] = [];
    const deps = pollerDeps(["prode", "sentry-issue"], async (d) => void enqueued.push(d.runId));
    const first = await pollOnce(deps);
    const tickets = (await t.db.select().from(runs)).map((r) => r.ticket).sort();
    expect(tickets).toEqual(["ENG-4852", "ENG-7001"]);
    expect(first).toHaveLength(2);
    expect(enqueued).toHaveLength(2);
    expect(await pollOnce(deps)).toEqual([]);
    const [missed] = await t.db.select().from(runs).where(eq(runs.ticket, "ENG-7001"));
    expect(missed?.trigger).toBe("poller");
  });

  it("ends the active run of a ticket a human closed when the webhook saying so was missed", async () => {
    const deps = pollerDeps(["prode"]);
    const { runId } = await startTriage(deps, "ENG-7002", "test");
    await pollOnce(deps);
    const run = await runRow(t, runId);
    expect(run).toMatchObject({ outcome: "SUPERSEDED" });
  });
});
