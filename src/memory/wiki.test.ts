import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findScenario, type Scenario } from "../../sim/scenario.ts";
import { OperationalMemorySchema } from "../domain/evidence-context.ts";
import {
  hintsFor,
  loadWiki,
  parseWikiPage,
  recordHintsForRoute,
  recordWikiUse,
  selectWikiPages,
  unregisteredFiles,
  type Wiki,
  type WikiTicketSignals,
} from "./wiki.ts";

const SHIPPED_WIKI = fileURLToPath(new URL("../../wiki/", import.meta.url));

/** What READ_PRODE_WIKI would know about a scenario's ticket after FETCH_LINEAR. */
function signalsOf(scenario: Scenario): WikiTicketSignals {
  const t = scenario.ticket;
  return {
    labels: t.labels,
    services: [scenario.service],
    sentryTags: (scenario.sentry?.issues ?? []).flatMap((i) => i.events.flatMap((e) => e.tags)),
    text: [t.title, t.description, ...t.comments.map((c) => c.body)].join("\n"),
  };
}

const REFERENCE = [
  { scenario: "abort-noise", page: "mobile-request-aborted", status: "read" },
  { scenario: "backend-500-pr", page: "release-null-dereference", status: "read" },
  { scenario: "db-state-approval", page: "derived-counter-drift", status: "read" },
  { scenario: "queue-alarm-infra", page: "sqs-queue-saturation-ecs-capacity", status: "stale" },
] as const;

let shipped: Wiki;
beforeAll(async () => {
  shipped = await loadWiki(SHIPPED_WIKI);
});

describe("the shipped wiki", () => {
  it("loads every registered page, with no problem, absent or malformed page", async () => {
    expect(shipped.problems).toEqual([]);
    expect(await unregisteredFiles(SHIPPED_WIKI, shipped)).toEqual([]);
    expect(shipped.entries.map((e) => [e.entry.id, e.kind])).toEqual([
      ["mobile-request-aborted", "page"],
      ["sqs-queue-saturation-ecs-capacity", "page"],
      ["release-null-dereference", "page"],
      ["derived-counter-drift", "page"],
      ["vendor-status-outage", "page"],
    ]);
    for (const e of shipped.entries) {
      if (e.kind !== "page") continue;
      expect(e.page.path).toBe(`wiki/${e.entry.id}.md`);
      expect(e.page.failureModes.length).toBeGreaterThan(1);
      expect(e.page.recipes.length).toBeGreaterThan(0);
      expect(e.page.negativeControls.length).toBeGreaterThan(0);
    }
  });

  it.each(REFERENCE)("$scenario reads exactly the $page page ($status)", async (ref) => {
    const scenario = await findScenario(ref.scenario);
    const { memory, hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    expect(OperationalMemorySchema.parse(memory)).toEqual(memory);
    expect(hints.pages).toEqual([ref.page]);
    expect(memory.pages).toHaveLength(1);
    expect(memory.pages[0]).toMatchObject({ id: ref.page, status: ref.status });
    expect(memory.pages[0]?.reason).toMatch(/matched (service|keyword|label|sentry tag)/);
  });

  it("the queue page is read but stale at the scenario's time, and says why", async () => {
    const scenario = await findScenario("queue-alarm-infra");
    const { memory, hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    const page = memory.pages[0]!;
    expect(page.status).toBe("stale");
    expect(page.reviewedAt).toBe("2026-03-02T00:00:00Z");
    expect(page.reason).toContain("review overdue since 2026-05-31");
    // Stale is still read: its recipes and controls reach the specialists.
    expect(hints.recipes.map((r) => r.name)).toContain("running-vs-desired-tasks");
    expect(hints.negativeControls.map((c) => c.name)).toContain("no-deploy-in-window");
  });

  it("the same page is fresh within its review period", () => {
    const { memory } = selectWikiPages(
      shipped,
      { services: ["notifications-worker"] },
      new Date("2026-05-30T12:00:00Z"),
    );
    expect(memory.pages[0]).toMatchObject({ status: "read" });
  });

  it("a ticket that matches nothing reads nothing and lists nothing", () => {
    const selection = selectWikiPages(
      shipped,
      { labels: ["prode", "sentry-issue"], services: ["search-api"], text: "Slow search" },
      new Date("2026-11-20T00:00:00Z"),
    );
    expect(selection.memory.pages).toEqual([]);
    expect(selection.hints).toEqual({ pages: [], recipes: [], negativeControls: [] });
  });
});

describe("hints reach the right specialist", () => {
  it("each recipe and negative control goes to the specialist its block names", async () => {
    const scenario = await findScenario("abort-noise");
    const { hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    const byName = (list: { name: string; specialist: string }[]) =>
      Object.fromEntries(list.map((h) => [h.name, h.specialist]));
    expect(byName(hints.recipes)).toEqual({
      "abort-share-by-app-version": "sentry",
      "aborts-by-client-in-logs": "aws",
      "feed-latency-completed-requests": "aws",
      "client-closed-vs-requests": "aws",
    });
    expect(byName(hints.negativeControls)).toEqual({
      "no-5xx-rise": "aws",
      "no-deploy-correlation": "release",
      "abort-share-follows-app-version": "sentry",
    });
    const release = hintsFor(hints, "release");
    expect(release.recipes).toEqual([]);
    expect(release.negativeControls.map((c) => c.name)).toEqual(["no-deploy-correlation"]);
    expect(release.negativeControls[0]?.body).toContain("negative_when:");
    expect(hintsFor(hints, "db")).toEqual({
      pages: hints.pages,
      recipes: [],
      negativeControls: [],
    });
  });

  it("the stale-rows scenario hands the db specialist its aggregate SELECTs", async () => {
    const scenario = await findScenario("db-state-approval");
    const { hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    const db = hintsFor(hints, "db");
    expect(db.recipes.map((r) => r.name)).toEqual([
      "drifted-workspaces",
      "drift-distribution",
      "soft-removals-by-day",
    ]);
    expect(db.negativeControls.map((c) => c.name)).toEqual([
      "no-drift-without-removals",
      "healthy-workspaces-consistent",
    ]);
    for (const r of db.recipes) expect(r.body).toMatch(/^sql: \|/m);
  });
});

describe("past conclusions are hypotheses to re-test, never answers", () => {
  it("they come back only in hypothesesToRetest, with their page", async () => {
    const scenario = await findScenario("abort-noise");
    const { memory, hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    expect(memory.hypothesesToRetest.map((h) => h.pageId)).toEqual([
      "mobile-request-aborted",
      "mobile-request-aborted",
    ]);
    expect(memory.hypothesesToRetest[1]?.hypothesis).toContain("was **not** noise");
    // Nothing a specialist receives carries an old conclusion.
    const handed = JSON.stringify(hints);
    for (const h of memory.hypothesesToRetest) {
      expect(handed).not.toContain(h.hypothesis.slice(0, 40));
    }
    expect(handed).not.toContain("ENG-3977");
  });
});

describe("recording which hints were used", () => {
  it("records a use once, refuses a hint that was not handed out, leaves the input alone", async () => {
    const scenario = await findScenario("abort-noise");
    const { memory, hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    const use = {
      kind: "negative_control" as const,
      pageId: "mobile-request-aborted",
      name: "no-5xx-rise",
      usedBy: "aws",
    };
    const once = recordWikiUse(memory, hints, use);
    expect(once.negativeControlsUsed).toEqual([
      { pageId: "mobile-request-aborted", control: "no-5xx-rise", usedBy: "aws" },
    ]);
    expect(recordWikiUse(once, hints, use)).toEqual(once);
    expect(memory.negativeControlsUsed).toEqual([]);
    expect(() =>
      recordWikiUse(memory, hints, {
        ...use,
        pageId: "derived-counter-drift",
        name: "no-5xx-rise",
      }),
    ).toThrow(/was handed out/);
  });

  it("recordHintsForRoute records every hint of the routed specialists, and only theirs", async () => {
    const scenario = await findScenario("abort-noise");
    const { memory, hints } = selectWikiPages(shipped, signalsOf(scenario), new Date(scenario.now));
    const routed = recordHintsForRoute(memory, hints, ["aws", "release"]);
    expect(routed.recipesUsed.map((r) => `${r.usedBy}:${r.recipe}`)).toEqual([
      "aws:aborts-by-client-in-logs",
      "aws:feed-latency-completed-requests",
      "aws:client-closed-vs-requests",
    ]);
    expect(routed.negativeControlsUsed.map((c) => `${c.usedBy}:${c.control}`)).toEqual([
      "aws:no-5xx-rise",
      "release:no-deploy-correlation",
    ]);
    expect(OperationalMemorySchema.safeParse(routed).success).toBe(true);
  });
});

describe("a wiki with broken pages", () => {
  let dir: string;
  let wiki: Wiki;
  const now = new Date("2026-11-20T10:00:00Z");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "prode-wiki-"));
    await cp(SHIPPED_WIKI, dir, { recursive: true });
    const draft = [
      "---",
      "id: feed-cache-draft",
      "title: Feed cache stampede (draft)",
      "services: [mobile-bff]",
      "owner: team-mobile-platform",
      "reviewed_at: 2026-11-01",
      "status: draft",
      "---",
      "## Failure modes",
      "- cache expiry at the top of the hour",
      "## Query recipes",
      "## Negative controls",
    ].join("\n");
    const malformed = [
      "---",
      "id: broken-frontmatter",
      "title: [unclosed",
      "---",
      "## Failure modes",
    ].join("\n");
    await writeFile(join(dir, "feed-cache-draft.md"), draft);
    await writeFile(join(dir, "broken-frontmatter.md"), malformed);
    await writeFile(join(dir, "notes.md"), "# scratch notes, not a page\n");
    const index = [
      "# index",
      "",
      "## Pages",
      "",
      "- [mobile-request-aborted](mobile-request-aborted.md): aborts",
      "- [feed-cache-draft](feed-cache-draft.md): draft",
      "- [broken-frontmatter](broken-frontmatter.md): broken",
      "- [payments-webhook-retries](payments-webhook-retries.md): registered, never written",
      "- [escape](../outside.md): outside the wiki",
      "- not a link at all",
    ].join("\n");
    await writeFile(join(dir, "index.md"), index);
    wiki = await loadWiki(dir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads without throwing and reports each problem", async () => {
    expect(wiki.entries.map((e) => [e.entry.id, e.kind])).toEqual([
      ["mobile-request-aborted", "page"],
      ["feed-cache-draft", "page"],
      ["broken-frontmatter", "malformed"],
      ["payments-webhook-retries", "absent"],
    ]);
    expect(wiki.problems).toEqual([
      "index.md:9: ../outside.md: the path must stay inside the wiki directory, without . or .. segments",
      'index.md:10: a list item under "## Pages" is not [page-id](file.md)',
    ]);
    expect(await unregisteredFiles(dir, wiki)).toEqual([
      "wiki/derived-counter-drift.md",
      "wiki/notes.md",
      "wiki/release-null-dereference.md",
      "wiki/sqs-queue-saturation-ecs-capacity.md",
      "wiki/vendor-status-outage.md",
    ]);
  });

  it("marks the missing page absent, skips the draft and the malformed page with reasons", () => {
    const { memory, hints } = selectWikiPages(wiki, { services: ["mobile-bff"] }, now);
    const byId = Object.fromEntries(memory.pages.map((p) => [p.id, p]));
    expect(byId["mobile-request-aborted"]).toMatchObject({ status: "read" });
    expect(byId["payments-webhook-retries"]).toMatchObject({
      status: "absent",
      path: "wiki/payments-webhook-retries.md",
      reason: "registered in index.md (line 8) but the file does not exist",
    });
    expect(byId["feed-cache-draft"]).toMatchObject({ status: "skipped" });
    expect(byId["feed-cache-draft"]?.reason).toMatch(/^status draft: not reviewed for routing/);
    expect(byId["broken-frontmatter"]).toMatchObject({ status: "skipped" });
    expect(byId["broken-frontmatter"]?.reason).toMatch(/^malformed: frontmatter is not valid YAML/);
    expect(memory.pages.filter((p) => p.id === "index").map((p) => p.reason)).toEqual(
      wiki.problems,
    );
    // Only the read page steers routing.
    expect(hints.pages).toEqual(["mobile-request-aborted"]);
    expect(OperationalMemorySchema.safeParse(memory).success).toBe(true);
  });

  it("a registered file whose id differs from its entry is skipped", async () => {
    const other = await mkdtemp(join(tmpdir(), "prode-wiki-"));
    try {
      await cp(join(SHIPPED_WIKI, "vendor-status-outage.md"), join(other, "vendor.md"));
      await writeFile(join(other, "index.md"), "## Pages\n\n- [vendor](vendor.md): renamed\n");
      const loaded = await loadWiki(other, { displayDir: "memory" });
      expect(loaded.entries[0]).toMatchObject({
        kind: "malformed",
        path: "memory/vendor.md",
        reason: 'frontmatter id "vendor-status-outage" does not match its index entry "vendor"',
      });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("a missing index.md is a problem, not a crash", async () => {
    const empty = await mkdtemp(join(tmpdir(), "prode-wiki-"));
    try {
      const loaded = await loadWiki(empty);
      expect(loaded.entries).toEqual([]);
      expect(loaded.problems).toEqual(["wiki/index.md cannot be read (ENOENT)"]);
      const { memory } = selectWikiPages(loaded, { services: ["mobile-bff"] }, now);
      expect(memory.pages).toEqual([
        {
          id: "index",
          path: "wiki/index.md",
          status: "skipped",
          reason: "wiki/index.md cannot be read (ENOENT)",
        },
      ]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe("review dates", () => {
  it("a reviewed_at in the future is treated as unreviewed: read, but stale", () => {
    const text = [
      "---",
      "id: future-page",
      "title: Dodging review",
      "services: [mobile-bff]",
      "owner: team-mobile-platform",
      "reviewed_at: 2027-06-01",
      "status: active",
      "---",
      "## Failure modes",
      "## Query recipes",
      "## Negative controls",
    ].join("\n");
    const parsed = parseWikiPage(text, "wiki/future-page.md");
    if (!parsed.ok) throw new Error(parsed.reason);
    const entry = { id: "future-page", file: "future-page.md", description: "", line: 1 };
    const wiki: Wiki = {
      indexPath: "wiki/index.md",
      entries: [{ kind: "page", entry, page: parsed.page }],
      problems: [],
    };
    const { memory } = selectWikiPages(
      wiki,
      { services: ["mobile-bff"] },
      new Date("2026-11-20T00:00:00Z"),
    );
    expect(memory.pages[0]).toMatchObject({ status: "stale" });
    expect(memory.pages[0]?.reason).toMatch(/^reviewed_at 2027-06-01 is in the future/);
  });
});

describe("ranking", () => {
  it("reads at most maxPages pages, best match first, and lists the rest as skipped", () => {
    const { memory, hints } = selectWikiPages(
      shipped,
      {
        services: ["onboarding-api"],
        labels: ["billing"],
        text: "Cannot read properties of null; stripe status page",
      },
      new Date("2026-11-20T00:00:00Z"),
      { maxPages: 2 },
    );
    expect(hints.pages).toEqual(["release-null-dereference", "vendor-status-outage"]);
    expect(memory.pages.find((p) => p.id === "derived-counter-drift")).toMatchObject({
      status: "skipped",
      reason: "ranked below the 2 best-matching pages (matched label billing)",
    });
  });
});
