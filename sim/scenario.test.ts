import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../src/domain/errors.ts";
import {
  findScenario,
  formatFieldPath,
  loadScenario,
  loadScenarios,
  scenarioServiceData,
} from "./scenario.ts";
import { tableRows } from "./scenario-replica.ts";

const MINIMAL = `name: tiny
description: A minimal world.
now: "2026-11-20T10:00:00Z"
service: api
integrations: { sentry: false, github: false, aws: false, replica: false, vendorStatus: false }
ticket:
  identifier: ENG-1
  title: Something broke
  labels: [prode]
  createdAt: "2026-11-20T09:00:00Z"
slack:
  channels: [{ id: C0INC, name: incidents }]
  incidentChannel: C0INC
expected:
  outcome: BLOCKED_NEEDS_INFO
  classification: unknown
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "prode-scenario-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(name: string, text: string): Promise<AppError> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, text);
  const error = await loadScenario(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(ErrorCode.BadInput);
  return error as AppError;
}

describe("loadScenario", () => {
  it("loads a minimal scenario and fills the defaults", async () => {
    const path = join(dir, "tiny.yaml");
    await writeFile(path, MINIMAL);
    const s = await loadScenario(path);
    expect(s.name).toBe("tiny");
    expect(s.file).toBe(path);
    expect(s.ticket.state).toBe("Triage");
    expect(s.slack.botToken).toBe("xoxb-sim-prode-bot");
    expect(s.linear.teams).toEqual([{ key: "ENG", name: "Engineering" }]);
    expect(s.integrations).toMatchObject({ slack: true, linear: true, aws: false });
    const data = scenarioServiceData(s);
    expect((data.linear as { issues: { identifier: string }[] }).issues[0]?.identifier).toBe(
      "ENG-1",
    );
    expect(data.aws).toBeUndefined();
  });

  it("refuses a wrong type, naming the file, the field and the line", async () => {
    const e = await refusal("tiny", MINIMAL.replace("labels: [prode]", "labels: [7]"));
    expect(e.message).toMatch(/tiny\.yaml: ticket\.labels\[0\]: .*expected string.*\(line 9\)/);
  });

  it("refuses an unknown key and a missing required field", async () => {
    const unknown = await refusal(
      "tiny",
      MINIMAL.replace("service: api", "service: api\nservise: x"),
    );
    expect(unknown.message).toMatch(/tiny\.yaml: \(root\): .*servise/);
    const missing = await refusal("tiny", MINIMAL.replace("  outcome: BLOCKED_NEEDS_INFO\n", ""));
    expect(missing.message).toContain("tiny.yaml: expected.outcome:");
  });

  it("refuses references the workspace cannot resolve", async () => {
    const e = await refusal(
      "tiny",
      MINIMAL.replace("  labels: [prode]", "  labels: [prode]\n  state: Doing"),
    );
    expect(e.message).toContain("tiny.yaml: ticket.state: unknown workflow state");
    const channel = await refusal(
      "tiny",
      MINIMAL.replace("incidentChannel: C0INC", "incidentChannel: C0NOPE"),
    );
    expect(channel.message).toContain("tiny.yaml: slack.incidentChannel: not one of the channels");
  });

  it("requires the data of every connector the scenario says is configured", async () => {
    const e = await refusal("tiny", MINIMAL.replace("aws: false, ", ""));
    expect(e.message).toContain("tiny.yaml: aws: missing: integrations.aws is on");
  });

  it("refuses invalid YAML with its line, and a name that differs from the file", async () => {
    const yaml = await refusal("tiny", `${MINIMAL}\nticket: [unclosed\n`);
    expect(yaml.message).toMatch(/tiny\.yaml: invalid YAML at line \d+/);
    const name = await refusal("other", MINIMAL);
    expect(name.message).toContain('other.yaml: name: "tiny" must equal the file name "other"');
  });

  it("extends a sibling scenario: objects merge, lists replace, null removes", async () => {
    await writeFile(join(dir, "tiny.yaml"), MINIMAL);
    await writeFile(
      join(dir, "variant.yaml"),
      `extends: tiny
name: variant
ticket: { title: Changed, labels: null }
faults: [{ service: slack, kind: error }]
slack: { incidentChannel: C0INC, channels: [{ id: C0INC, name: incidents }, { id: C0B, name: b }] }
`,
    );
    const s = await loadScenario(join(dir, "variant.yaml"));
    expect(s.ticket.identifier).toBe("ENG-1");
    expect(s.ticket.title).toBe("Changed");
    // The removed key falls back to its default.
    expect(s.ticket.labels).toEqual([]);
    expect(s.faults).toHaveLength(1);
    expect(s.slack.channels.map((c) => c.id)).toEqual(["C0INC", "C0B"]);
    expect(s.integrations.aws).toBe(false);
  });
});

describe("the shipped scenarios", () => {
  it("all load, and cover the four reference scenarios plus the two failure variants", async () => {
    const scenarios = await loadScenarios();
    const byName = new Map(scenarios.map((s) => [s.name, s]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        "abort-noise",
        "backend-500-pr",
        "db-state-approval",
        "no-aws-credentials",
        "queue-alarm-infra",
        "sentry-fails-midrun",
      ]),
    );
    expect(byName.get("backend-500-pr")?.expected).toMatchObject({
      classification: "code_defect",
      reaches: "CREATE_WORKTREE",
      pullRequest: true,
    });
    expect(byName.get("queue-alarm-infra")?.expected.outcome).toBe("VENDOR_OR_INFRA");
    expect(byName.get("db-state-approval")?.expected.pendingApprovals).toEqual(["db.backfill"]);
    expect(byName.get("abort-noise")?.expected.outcome).toBe("NOISE_NO_FIX");
    expect(byName.get("sentry-fails-midrun")?.faults).toEqual([
      {
        service: "sentry",
        method: "GET /api/0/organizations/*/*/*",
        kind: "error",
        status: 500,
        after: 1,
      },
    ]);
    const noAws = byName.get("no-aws-credentials");
    expect(noAws?.integrations.aws).toBe(false);
    expect(noAws?.aws).toBeUndefined();
    expect(noAws?.sentry?.issues[0]?.id).toBe("4502117730");
  });

  it("each name a family, and each family has at least three scenarios (the eval's unit)", async () => {
    const perFamily = new Map<string, number>();
    for (const s of await loadScenarios()) {
      expect(s.family, `${s.name} has a family`).toBeDefined();
      perFamily.set(s.family!, (perFamily.get(s.family!) ?? 0) + 1);
    }
    for (const [family, n] of perFamily) expect(n, family).toBeGreaterThanOrEqual(3);
  });

  it("hold no real contact details: every email address is at example.com or GitHub's noreply", async () => {
    for (const s of await loadScenarios()) {
      const text = JSON.stringify(s);
      const emails = text.match(/[\w.+[\]-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\b/gi) ?? [];
      expect(emails.length).toBeGreaterThan(0);
      for (const email of emails) {
        expect(email, `${s.name}: ${email}`).toMatch(
          /@(example\.com|users\.noreply\.github\.com)$/,
        );
      }
    }
  });

  it("backend-500-pr's replica holds 141 plan-less accounts, all created after the deploy", async () => {
    const s = await findScenario("backend-500-pr");
    const accounts = s.replica?.tables.find((t) => t.name === "accounts");
    const rows = tableRows(accounts!);
    const planless = rows.filter((r) => r.plan_id === null);
    expect(planless).toHaveLength(141);
    expect(planless.every((r) => String(r.created_at) > "2026-11-20T14:02:14Z")).toBe(true);
    expect(
      rows
        .filter((r) => r.plan_id !== null)
        .every((r) => String(r.created_at) < "2026-11-20T14:02:14Z"),
    ).toBe(true);
  });

  it("findScenario names the shipped scenarios when the name is unknown", async () => {
    await expect(findScenario("nope")).rejects.toThrow(
      /unknown scenario "nope" \(shipped: .*backend-500-pr/,
    );
  });
});

describe("helpers", () => {
  it("formats zod paths the way people read them", () => {
    expect(formatFieldPath(["ticket", "labels", 0])).toBe("ticket.labels[0]");
    expect(formatFieldPath([])).toBe("(root)");
  });

  it("generates replica rows from sequences, cycles, templates with arithmetic and times", () => {
    const rows = tableRows({
      name: "t",
      columns: [
        { name: "id", type: "integer", primaryKey: true, nullable: false },
        { name: "ws", type: "text", primaryKey: false, nullable: true },
        { name: "pos", type: "text", primaryKey: false, nullable: true },
        { name: "at", type: "timestamptz", primaryKey: false, nullable: true },
      ],
      rows: [[0, "first", null, null]],
      generate: [
        {
          count: 4,
          values: {
            id: { seq: 10 },
            ws: { template: "ws_{i/2}" },
            pos: { template: "{i%2}" },
            at: { timeFrom: "2026-01-01T00:00:00Z", stepSeconds: 90 },
          },
        },
      ],
    });
    expect(rows.map((r) => [r.id, r.ws, r.pos, r.at])).toEqual([
      [0, "first", null, null],
      [10, "ws_0", "0", "2026-01-01T00:00:00.000Z"],
      [11, "ws_0", "1", "2026-01-01T00:01:30.000Z"],
      [12, "ws_1", "0", "2026-01-01T00:03:00.000Z"],
      [13, "ws_1", "1", "2026-01-01T00:04:30.000Z"],
    ]);
  });
});
