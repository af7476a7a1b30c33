import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_PATTERN_LENGTH } from "../../specialists/db/patterns.ts";
import { catalogDataChecks, catalogEntry, loadServiceCatalog } from "./catalog.ts";
import { loadPolicy } from "./load.ts";

/** A service file declaring data checks, as YAML would parse it. */
const file = (dataChecks: unknown[]) => ({ version: 1, team: "t", data_checks: dataChecks });

const counter = {
  kind: "derived_counter",
  id: "project-task-count",
  table: "projects",
  key: "id",
  counter: "open_tasks",
  source: {
    table: "tasks",
    key: "project_id",
    where: "closed_at is null",
    changed_column: "closed_at",
  },
  subject: "open tasks shown on the board",
  entity: "\\bprj_[0-9]{1,12}\\b",
  symptoms: ["\\bopen tasks?\\b", "board count"],
};

describe("data_checks in the service catalog", () => {
  it("compiles a service's declared checks: snake_case to the db specialist's shape, patterns to RegExp", () => {
    const entry = catalogEntry(
      "svc-tasks",
      file([
        counter,
        {
          kind: "null_precondition",
          id: "orders-null-address",
          table: "orders",
          column: "address_id",
          created_column: "created_at",
          lookback_hours: 6,
          symptoms: ["no shipping address"],
        },
        {
          kind: "aggregate",
          id: "outbox-unsent",
          sql: "select count(*) as unsent from outbox where sent_at is null",
          describes: "unsent outbox messages",
          symptoms: ["\\bnot (?:sent|delivered)\\b"],
        },
      ]),
    );
    expect(entry.dataChecks.map((c) => [c.kind, c.id, c.service])).toEqual([
      ["derived_counter", "project-task-count", "svc-tasks"],
      ["null_precondition", "orders-null-address", "svc-tasks"],
      ["aggregate", "outbox-unsent", "svc-tasks"],
    ]);
    const [derived, nullCheck] = entry.dataChecks;
    if (derived?.kind !== "derived_counter" || nullCheck?.kind !== "null_precondition") {
      throw new Error("unexpected kinds");
    }
    expect(derived.source).toEqual({
      table: "tasks",
      key: "project_id",
      where: "closed_at is null",
      changedColumn: "closed_at",
    });
    // Symptoms match case-insensitively; the entity pattern finds every id.
    expect(derived.symptoms[0]?.test("The board shows 9 OPEN TASKS")).toBe(true);
    expect("prj_1 and prj_22".match(derived.entity as RegExp)).toEqual(["prj_1", "prj_22"]);
    expect(nullCheck).toMatchObject({ createdColumn: "created_at", lookbackHours: 6 });
  });

  it("declares no check for a service without data_checks", () => {
    expect(catalogEntry("svc", { version: 1, team: "t" }).dataChecks).toEqual([]);
  });

  it("refuses a pattern that does not compile, is too long or can backtrack, naming the file and field", () => {
    const src = "policy/services/svc-tasks.yaml";
    const refused = (symptoms: string[]) => () =>
      catalogEntry("svc-tasks", file([{ ...counter, symptoms }]), src);
    expect(refused(["(unclosed"])).toThrow(
      /^policy\/services\/svc-tasks\.yaml: data_checks\[0\]\.symptoms\[0\]: not a valid regular expression/,
    );
    expect(refused(["a".repeat(MAX_PATTERN_LENGTH + 1)])).toThrow(/at most 200 characters/);
    expect(refused(["(a+)+$"])).toThrow(/backtrack/);
    expect(refused(["(?:x|y)*z"])).toThrow(/backtrack/);
    expect(refused([""])).toThrow(/matches every ticket/);
    expect(refused([])).toThrow(/at least one symptom pattern/);
    expect(() => catalogEntry("svc-tasks", file([{ ...counter, entity: "(\\d+)+" }]), src)).toThrow(
      /data_checks\[0\]\.entity: .*backtrack/,
    );
  });

  it("refuses identifiers and predicates that could carry SQL, unknown fields and duplicate ids", () => {
    const src = "policy/services/svc-tasks.yaml";
    const entry = (check: unknown) => () => catalogEntry("svc-tasks", file([check]), src);
    expect(entry({ ...counter, table: "projects; drop table x" })).toThrow(
      /svc-tasks\.yaml: data_checks\[0\]\.table: a plain lower-case SQL identifier/,
    );
    expect(entry({ ...counter, counter: '"Open"' })).toThrow(/data_checks\[0\]\.counter/);
    expect(
      entry({ ...counter, source: { ...counter.source, where: "1=1) or (select 1" } }),
    ).toThrow(/data_checks\[0\]\.source\.where: a simple predicate/);
    expect(entry({ ...counter, id: "Task Count" })).toThrow(/data_checks\[0\]\.id: a kebab-case/);
    expect(entry({ ...counter, limit: 3 })).toThrow(/unknown field 'limit'/);
    expect(entry({ ...counter, kind: "drop_table" })).toThrow(/data_checks\[0\]\.kind/);
    expect(() => catalogEntry("svc-tasks", file([counter, counter]), src)).toThrow(
      /data_checks\[1\]\.id: duplicate check id 'project-task-count'/,
    );
  });

  describe("on disk", () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("a file with a bad data check is refused by the policy load with the file named", async () => {
      dir = await mkdtemp(join(tmpdir(), "prode-data-checks-"));
      const { mkdir } = await import("node:fs/promises");
      await mkdir(join(dir, "services"));
      await writeFile(join(dir, "platform.yaml"), "version: 1\n");
      await writeFile(
        join(dir, "services", "svc-tasks.yaml"),
        "version: 1\nteam: t\ndata_checks:\n  - kind: aggregate\n    id: bad\n    sql: select 1\n    describes: x\n    symptoms: ['(a+)+']\n",
      );
      await expect(loadPolicy(dir, { service: "svc-tasks" })).rejects.toThrow(
        /svc-tasks\.yaml: data_checks\[0\]\.symptoms\[0\]: .*backtrack/,
      );
      // The catalog leaves the refused file out rather than running its checks.
      expect(catalogDataChecks(await loadServiceCatalog(dir))).toEqual([]);
    });
  });

  it("the shipped catalog's checks each belong to the service whose file declares them", async () => {
    const catalog = await loadServiceCatalog("policy");
    const checks = catalogDataChecks(catalog);
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) {
      expect(catalog.services[check.service]?.dataChecks).toContain(check);
    }
  });
});
