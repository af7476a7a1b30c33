import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layout of docs/adr/0014-layout-one-folder-per-concern.md, enforced: each rule
 * below names the files it governs and what they must not reach, followed through every
 * import chain (type-only imports too: a type is a dependency on the module that owns
 * it). A violation is reported as the chain that crosses the line, e.g.
 * "src/runner/engine.ts → src/memory/x.ts → src/slack/notifier.ts", one per offending
 * import, so the message says which import to remove.
 *
 * Test files (`*.test.ts`) are not governed: a unit test beside the runner may start a
 * real Slack app to test against it. No product module imports a test file (checked).
 */
const ROOT = resolve(import.meta.dirname, "..");

/** Repository-relative paths of the `.ts` files under a folder, tests excluded. */
function files(dir: string, withTests = false): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory())
      return name === "__snapshots__" || name === "__corpus__" ? [] : files(path, withTests);
    if (!path.endsWith(".ts")) return [];
    return withTests || !path.endsWith(".test.ts") ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*((?:import|export)\s[^;]*?from\s+["']([^"']+)["'])|(?:^|\n)\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

interface Import {
  spec: string;
  /** Erased at run time, but still a dependency of the layout. */
  typeOnly: boolean;
}

/** `import type {…}`, `export type {…}`, or braces whose every name is marked `type`. */
function isTypeOnly(statement: string): boolean {
  if (/^(?:import|export)\s+type\s/.test(statement)) return true;
  const names = /^import\s*\{([^}]*)\}\s*from/.exec(statement)?.[1];
  if (!names) return false;
  const list = names
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  return list.length > 0 && list.every((n) => n.startsWith("type "));
}

function parseImports(text: string): Import[] {
  return [...text.matchAll(IMPORT)].map((m) => ({
    spec: (m[2] ?? m[3] ?? m[4])!,
    typeOnly: m[1] ? isTypeOnly(m[1]) : false,
  }));
}

/** What a module imports: our files by repository-relative path, packages by name. */
type Graph = (file: string) => { files: string[]; packages: string[] };

function packageName(spec: string): string {
  return spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
}

const parsed = new Map<string, Import[]>();
function importsOf(file: string): Import[] {
  let imports = parsed.get(file);
  if (!imports) {
    const path = join(ROOT, file);
    imports =
      file.endsWith(".ts") && existsSync(path) ? parseImports(readFileSync(path, "utf8")) : [];
    parsed.set(file, imports);
  }
  return imports;
}

const disk: Graph = (file) => {
  const imports = importsOf(file);
  return {
    files: imports
      .filter((i) => i.spec.startsWith("."))
      .map((i) => relative(ROOT, resolve(ROOT, dirname(file), i.spec))),
    packages: imports.filter((i) => !i.spec.startsWith(".")).map((i) => packageName(i.spec)),
  };
};

interface Reached {
  /** Each file reached, with the chain of imports from the entry to it (shortest first). */
  files: Map<string, string[]>;
  /** Each package reached, with the chain of our files that leads to its import. */
  packages: Map<string, string[]>;
}

/**
 * Every module `entry` reaches, breadth first so each chain is a shortest one. Files for
 * which `stop` holds are recorded but not followed: a rule stops at the first file over
 * the line (the import to fix), or at a file allowed to cross it.
 */
function reach(entry: string, graph: Graph = disk, stop = (_file: string) => false): Reached {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const packages = new Map<string, string[]>();
  const queue = [entry];
  for (let i = 0; i < queue.length; i += 1) {
    const file = queue[i]!;
    const chain = chains.get(file)!;
    if (i > 0 && stop(file)) continue;
    const next = graph(file);
    for (const p of next.packages) if (!packages.has(p)) packages.set(p, chain);
    for (const f of next.files) {
      if (chains.has(f)) continue;
      chains.set(f, [...chain, f]);
      queue.push(f);
    }
  }
  return { files: chains, packages };
}

const arrow = (chain: string[]) => chain.join(" → ");

interface Rule {
  /** The files the rule governs (tests excluded). */
  from: string[];
  /** A file these must not reach. */
  forbidden: (file: string) => boolean;
  /** Files that may reach a forbidden one; chains through them are not followed. */
  allowedVia?: string[];
}

/**
 * The chains by which a rule's files reach a forbidden file: one per import that crosses
 * the line (the last link), the shortest found, sorted. Empty when the rule holds.
 */
function violations(rule: Rule, graph: Graph = disk): string[] {
  const allowed = new Set(rule.allowedVia ?? []);
  const byCrossing = new Map<string, string[]>();
  for (const entry of rule.from) {
    if (allowed.has(entry)) continue;
    const { files: reached } = reach(entry, graph, (f) => allowed.has(f) || rule.forbidden(f));
    for (const [file, chain] of reached) {
      if (!rule.forbidden(file) || chain.length < 2) continue;
      const crossing = arrow(chain.slice(-2));
      const known = byCrossing.get(crossing);
      if (!known || chain.length < known.length) byCrossing.set(crossing, chain);
    }
  }
  return [...byCrossing.values()].map(arrow).sort();
}

const under =
  (...folders: string[]) =>
  (file: string) =>
    folders.some((f) => (f.endsWith(".ts") ? file === f : file.startsWith(f)));

/** Product code: what ships in the image. sim/, test/ and bench/ are not product code. */
const PRODUCT = [...files("src"), ...files("specialists"), ...files("blocks")];

/** Packages that talk to the outside world or can write somewhere. */
const WRITE_CAPABLE = [
  "@slack/bolt",
  "@slack/web-api",
  "@linear/sdk",
  "@octokit/app",
  "@octokit/rest",
  "@aws-sdk/client-sts",
  "@aws-sdk/client-cloudwatch",
  "@aws-sdk/client-cloudwatch-logs",
  "@sentry/node",
  "postgres",
  "@electric-sql/pglite",
  "drizzle-orm",
  "bullmq",
  "ioredis",
  "node:fs",
  "node:fs/promises",
  "node:child_process",
  "node:net",
  "node:http",
  "node:https",
  "node:dgram",
  "node:worker_threads",
  "fs",
  "child_process",
  "net",
  "http",
  "https",
];

/** The packages a file reaches that `bad` names, each with the chain that imports it. */
function badPackages(file: string, bad: (p: string) => boolean): string[] {
  return [...reach(file).packages]
    .filter(([p]) => bad(p))
    .map(([p, chain]) => `${arrow(chain)} → ${p}`);
}

/** The wiring and the tools around the product: no layer below them may reach these. */
const WIRING = ["src/compose/", "src/cli/", "sim/"];
/** The listeners, the phases and the wiring: what sits above the adapters. */
const ABOVE_ADAPTERS = ["src/slack/", "src/phases/", "src/intake/", ...WIRING];

/** The layer rules: who may not reach whom. Each holds today; keep it that way. */
const RULES: Record<string, Rule> = {
  // The engine takes its ports (runner/ports.ts, runner/types.ts) and is handed the
  // phases by the composition root, so it can be tested and benchmarked with no-op
  // handlers and no provider.
  "src/runner reaches no adapter, listener, phase, intake or wiring": {
    from: files("src/runner"),
    forbidden: under("src/adapters/", ...ABOVE_ADAPTERS),
  },
  // SDK in, domain out: an adapter is called, it never calls up into the code that
  // listens to Slack or Linear, runs phases or wires processes.
  "src/adapters reach no listener (Slack, phases, intake) and no wiring": {
    from: files("src/adapters"),
    forbidden: under(...ABOVE_ADAPTERS),
  },
  // Phases post to Slack through the runner's notifier port, never by importing the
  // Slack listeners; they are started by the runner, not by intake.
  "src/phases reach no Slack listener, intake or wiring": {
    from: files("src/phases"),
    forbidden: under("src/slack/", "src/intake/", ...WIRING),
  },
  // Slack listeners and intake are peers: each turns a request into runner calls, neither
  // imports the other (`/prode triage` gets intake's startTriage from src/compose as a
  // function), and neither runs a phase inline.
  "src/slack reaches no intake, phase or wiring": {
    from: files("src/slack"),
    forbidden: under("src/intake/", "src/phases/", ...WIRING),
  },
  "src/intake reaches no Slack listener or wiring": {
    from: files("src/intake"),
    forbidden: under("src/slack/", ...WIRING),
  },
  // The services every layer builds on (persistence, policy, approvals, audit, memory,
  // redaction and the guarded replica, config, logging) sit below the adapters and the
  // listeners: they import neither, nor the phases or the wiring.
  "the shared services reach no adapter, listener, phase or wiring": {
    from: [
      "src/approvals",
      "src/audit",
      "src/config",
      "src/db",
      "src/memory",
      "src/observability",
      "src/policy",
      "src/safety",
    ].flatMap((d) => files(d)),
    forbidden: under("src/adapters/", ...ABOVE_ADAPTERS),
  },
  // The composition root is the top: nothing it wires can reach back up to it. Only
  // src/main.ts and the CLI commands start it.
  "nothing below src/compose and src/cli reaches them": {
    from: PRODUCT.filter((f) => !under("src/compose/", "src/cli/", "src/main.ts")(f)),
    forbidden: under("src/compose/", "src/cli/", "src/main.ts"),
  },
  // The simulated world and the demo are tools around the product, not part of it: only
  // the CLI commands that start them (`prode demo`, `prode eval`, `prode sim`) import sim/. The chain
  // src/main.ts → src/cli/registry.ts → src/cli/commands/demo.ts is therefore allowed.
  "product code (src/, specialists/, blocks/) never reaches sim/ except prode demo, eval and sim": {
    from: PRODUCT,
    forbidden: under("sim/"),
    allowedVia: ["src/cli/commands/demo.ts", "src/cli/commands/eval.ts", "src/cli/commands/sim.ts"],
  },
  // Pure rules and types: the domain is what every layer may import, so it imports none.
  "src/domain reaches nothing of ours outside itself": {
    from: files("src/domain"),
    forbidden: (f) => !f.startsWith("src/domain/"),
  },
  // Renderers: (view model, now) → blocks.
  "blocks/ reaches only blocks/ and src/domain": {
    from: files("blocks"),
    forbidden: (f) => !f.startsWith("blocks/") && !f.startsWith("src/domain/"),
  },
  // Invariant 3: a specialist gets read-only tools (specialists/tools.ts) and nothing else.
  "specialists/ reach only specialists/ and src/domain": {
    from: files("specialists"),
    forbidden: (f) => !f.startsWith("specialists/") && !f.startsWith("src/domain/"),
  },
};

/**
 * The functions that start a process's moving parts. In product code only the
 * composition root (src/compose) calls them, so web, worker, dev, the demo, the e2e
 * scenario harness (sim/demo/run-scenario.ts → startProde) and the benches all run the
 * production wiring. The module that defines one may name it; `*.test.ts` beside it or
 * in test/integration tests that module directly (e.g. src/adapters/slack/app.test.ts,
 * test/integration/slack-queue.int.test.ts).
 */
const PROCESS_BUILDERS = [
  "startPhaseWorker",
  "startReconciler",
  "createSlackApp",
  "startSlackInteractionWorker",
];

/**
 * Outside src/compose, a raw phase worker is allowed only where the runner itself is
 * what is measured or tested, with handlers of the test's own (no-op, slow, crashing),
 * never the production pipeline.
 */
const RAW_PHASE_WORKER: Record<string, string> = {
  "test/setup/runner.ts": "the runner's integration tests (useTestRunner().startWorker)",
  "test/setup/processes/crash-worker.ts": "a worker process the crash test kills mid-phase",
  "test/setup/processes/slow-worker.ts": "a worker process the shutdown test stops mid-phase",
  "bench/runner.bench.ts": "the runner benchmark: the engine alone, no-op handlers",
  "bench/pipeline.bench.ts":
    "the pipeline benchmark's baseline (the engine alone on no-op handlers); its measured runs start prode through startHarness → startProde",
};

/** Calls of `name(` in code (comments stripped), not counting its definition. */
function calls(file: string, name: string): boolean {
  const code = readFileSync(join(ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return new RegExp(`(?<!function\\s+)\\b${name}\\s*\\(`).test(code);
}

/** Where a process builder is called from, other than the module that defines it. */
function callersOf(name: string, candidates: string[]): string[] {
  return candidates.filter(
    (f) => calls(f, name) && !readFileSync(join(ROOT, f), "utf8").includes(`function ${name}(`),
  );
}

describe("architecture", () => {
  it("sees the layers it governs", () => {
    expect(files("src/runner").length).toBeGreaterThan(10);
    expect(files("src/adapters").length).toBeGreaterThan(20);
    expect(files("src/phases").length).toBeGreaterThan(5);
    expect(files("specialists").length).toBeGreaterThan(20);
    expect(PRODUCT.length).toBeGreaterThan(200);
  });

  for (const [name, rule] of Object.entries(RULES)) {
    it(name, () => {
      expect(rule.from.length, "the rule governs no file: a folder moved?").toBeGreaterThan(0);
      expect(violations(rule), `${name}; violated by these import chains`).toEqual([]);
    });
  }

  // Phases and intake are handed their Linear gateway and HTTP routes by src/compose;
  // they name the adapter's port types, never construct or call an adapter module.
  it("src/phases and src/intake name an adapter only by its port types (import type)", () => {
    const bad = [...files("src/phases"), ...files("src/intake")].flatMap((file) =>
      importsOf(file)
        .filter((i) => i.spec.includes("/adapters/") && !i.typeOnly)
        .map((i) => `${file} → ${relative(ROOT, resolve(ROOT, dirname(file), i.spec))}`),
    );
    expect(bad).toEqual([]);
  });

  it("no specialist module can reach an SDK, a database client or any write-capable module", () => {
    const bad = files("specialists").flatMap((f) =>
      badPackages(f, (p) => WRITE_CAPABLE.includes(p)),
    );
    expect(bad).toEqual([]);
  });

  it("src/domain reaches no package but zod, blocks/ no I/O package", () => {
    const domain = files("src/domain").flatMap((f) => badPackages(f, (p) => p !== "zod"));
    expect(domain).toEqual([]);
    const blocks = files("blocks").flatMap((f) => badPackages(f, (p) => WRITE_CAPABLE.includes(p)));
    expect(blocks).toEqual([]);
  });

  it("no module imports a test file", () => {
    const all = ["src", "specialists", "blocks", "sim", "test", "bench"].flatMap((d) => files(d));
    const bad = all.flatMap((file) =>
      disk(file)
        .files.filter((f) => f.endsWith(".test.ts"))
        .map((f) => `${file} → ${f}`),
    );
    expect(bad).toEqual([]);
  });

  it("every shared test helper lives in test/setup/", () => {
    expect(files("test").filter((f) => !f.startsWith("test/setup/"))).toEqual([]);
  });

  it("in src/, specialists/, blocks/ and sim/ (the demo) only src/compose starts a worker, the reconciler or the Slack app", () => {
    const product = [...PRODUCT, ...files("sim")];
    for (const name of PROCESS_BUILDERS) {
      expect(
        callersOf(name, product).filter((f) => !f.startsWith("src/compose/")),
        `${name} called outside src/compose`,
      ).toEqual([]);
      expect(
        callersOf(name, files("src/compose")),
        `${name} is no longer called by src/compose`,
      ).not.toEqual([]);
    }
  });

  it("test helpers, e2e tests and benches start prode through src/compose; a raw phase worker only where the runner alone is under test", () => {
    const outside = [...files("test/setup"), ...files("test/e2e", true), ...files("bench")];
    for (const name of PROCESS_BUILDERS) {
      const allowed = name === "startPhaseWorker" ? Object.keys(RAW_PHASE_WORKER) : [];
      expect(
        callersOf(name, outside).filter((f) => !allowed.includes(f)),
        `${name} called outside src/compose: start prode with startProde or wireSlack`,
      ).toEqual([]);
    }
    // Every exception is still needed, so the list cannot grow stale and quietly admit a
    // new caller under an old name.
    expect(callersOf("startPhaseWorker", Object.keys(RAW_PHASE_WORKER))).toEqual(
      Object.keys(RAW_PHASE_WORKER),
    );
  });

  describe("the checks see a violation when there is one", () => {
    const graph: Graph = (file) =>
      ({
        "src/runner/engine.ts": { files: ["src/runner/types.ts", "src/memory/x.ts"], packages: [] },
        "src/runner/types.ts": { files: ["src/domain/phases.ts"], packages: [] },
        "src/runner/queue.ts": { files: ["src/slack/notifier.ts"], packages: ["bullmq"] },
        "src/memory/x.ts": { files: ["src/slack/notifier.ts"], packages: [] },
        "src/slack/notifier.ts": { files: ["src/adapters/slack/client.ts"], packages: [] },
      })[file] ?? { files: [], packages: [] };

    it("names the import chain to each offending import, shortest first", () => {
      const rule: Rule = {
        from: ["src/runner/engine.ts", "src/runner/types.ts", "src/runner/queue.ts"],
        forbidden: under("src/slack/", "src/adapters/"),
      };
      expect(violations(rule, graph)).toEqual([
        "src/runner/engine.ts → src/memory/x.ts → src/slack/notifier.ts",
        "src/runner/queue.ts → src/slack/notifier.ts",
      ]);
      expect(
        reach("src/runner/engine.ts", graph).files.get("src/adapters/slack/client.ts"),
      ).toEqual([
        "src/runner/engine.ts",
        "src/memory/x.ts",
        "src/slack/notifier.ts",
        "src/adapters/slack/client.ts",
      ]);
    });

    it("does not follow a chain through a file allowed to cross", () => {
      const rule: Rule = {
        from: ["src/runner/engine.ts"],
        forbidden: under("src/slack/"),
        allowedVia: ["src/memory/x.ts"],
      };
      expect(violations(rule, graph)).toEqual([]);
    });

    it("reads the real import graph: the composition root reaches Slack and the Linear SDK", () => {
      const wired = reach("src/compose/prode.ts");
      expect(wired.files.get("src/slack/dispatcher.ts")?.[0]).toBe("src/compose/prode.ts");
      expect(
        badPackages("src/adapters/linear/client.ts", (p) => WRITE_CAPABLE.includes(p)),
      ).toEqual(["src/adapters/linear/client.ts → @linear/sdk"]);
      expect(
        violations({ from: ["src/compose/prode.ts"], forbidden: under("src/slack/") }).length,
      ).toBeGreaterThan(0);
    });

    it("tells a type-only import from a value import", () => {
      const imports = parseImports(
        [
          'import type { A } from "./a.ts";',
          'import { type B, type C } from "./b.ts";',
          'import { type D, e } from "./d.ts";',
          'export type { F } from "./f.ts";',
          'import "./side-effect.ts";',
          'const g = await import("./g.ts");',
        ].join("\n"),
      );
      expect(imports).toEqual([
        { spec: "./a.ts", typeOnly: true },
        { spec: "./b.ts", typeOnly: true },
        { spec: "./d.ts", typeOnly: false },
        { spec: "./f.ts", typeOnly: true },
        { spec: "./side-effect.ts", typeOnly: false },
        { spec: "./g.ts", typeOnly: false },
      ]);
    });

    it("finds a call of a process builder but not its definition or a comment", () => {
      expect(calls("src/compose/processes.ts", "startPhaseWorker")).toBe(true);
      expect(calls("src/runner/worker.ts", "startPhaseWorker")).toBe(false);
    });
  });
});
