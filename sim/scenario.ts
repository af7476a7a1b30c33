import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { AppError, ErrorCode } from "../src/domain/errors.ts";
import { type Scenario, scenarioSchema } from "./scenario-schema.ts";
import type { SimServiceName } from "./types.ts";

export type { Scenario } from "./scenario-schema.ts";
export { scenarioSchema } from "./scenario-schema.ts";

/** Where the shipped scenarios live. */
const SCENARIOS_DIR = fileURLToPath(new URL("./scenarios/", import.meta.url));

/** `ticket.labels[0]` from zod's path. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out || "(root)";
}

/** The 1-based line of the YAML node at `path`, or of its nearest existing ancestor. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
      | { range?: [number, number, number] }
      | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined && (depth > 0 || isMap(node) || isSeq(node))) {
      return counter.linePos(offset).line;
    }
  }
  return undefined;
}

interface RawScenario {
  value: unknown;
  doc: ReturnType<typeof parseDocument>;
  counter: LineCounter;
}

function readYaml(text: string, file: string): RawScenario {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e?.linePos?.[0]?.line;
    throw new AppError(
      ErrorCode.BadInput,
      `${file}: invalid YAML${line ? ` at line ${line}` : ""}: ${e?.message.split("\n")[0]}`,
    );
  }
  return { value: doc.toJS(), doc, counter };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge for `extends`: objects merge, anything else replaces, `null` deletes a key. */
function mergeScenario(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = key in base ? mergeScenario(base[key], value) : value;
  }
  return out;
}

/**
 * Validates a scenario value. A malformed one is refused with an AppError naming the file
 * and each field at fault: "sim/scenarios/x.yaml: ticket.labels[0]: Invalid input:
 * expected string, received number (line 12)".
 */
function validateScenario(raw: RawScenario, file: string): Scenario {
  const result = scenarioSchema.safeParse(raw.value);
  if (!result.success) {
    const lines = result.error.issues.map((issue: z.core.$ZodIssue) => {
      const at = lineOf(raw.doc, raw.counter, issue.path);
      return `${file}: ${formatFieldPath(issue.path)}: ${issue.message}${at ? ` (line ${at})` : ""}`;
    });
    throw new AppError(ErrorCode.BadInput, lines.join("\n"), { cause: result.error });
  }
  const expectedName = basename(file, extname(file));
  if (result.data.name !== expectedName) {
    throw new AppError(
      ErrorCode.BadInput,
      `${file}: name: "${result.data.name}" must equal the file name "${expectedName}"`,
    );
  }
  return { ...result.data, file };
}

async function loadRaw(path: string, chain: string[]): Promise<RawScenario> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new AppError(ErrorCode.BadInput, `${path}: cannot read scenario file`, { cause: error });
  }
  const raw = readYaml(text, path);
  if (!isPlainObject(raw.value) || raw.value.extends === undefined) return raw;
  const { extends: parent, ...rest } = raw.value;
  if (typeof parent !== "string" || !/^[a-z0-9-]+$/.test(parent)) {
    throw new AppError(ErrorCode.BadInput, `${path}: extends: expected a scenario name`);
  }
  const basePath = join(dirname(path), `${parent}.yaml`);
  if (chain.includes(basePath)) {
    throw new AppError(ErrorCode.BadInput, `${path}: extends: cycle through ${parent}`);
  }
  const base = await loadRaw(basePath, [...chain, path]);
  return { ...raw, value: mergeScenario(base.value, rest) };
}

/**
 * Loads a scenario file. `extends: <name>` starts from a sibling scenario and deep-merges
 * this file over it (a `null` value removes a key), so variants state only what differs.
 */
export async function loadScenario(path: string): Promise<Scenario> {
  return validateScenario(await loadRaw(path, []), path);
}

/** Every `*.yaml` scenario in a directory, by name. */
export async function loadScenarios(dir: string = SCENARIOS_DIR): Promise<Scenario[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(files.map((f) => loadScenario(join(dir, f))));
}

/** A scenario by shipped name ("backend-500-pr") or by file path. */
export async function findScenario(nameOrPath: string): Promise<Scenario> {
  if (/[/\\]|\.ya?ml$/.test(nameOrPath) && existsSync(nameOrPath)) return loadScenario(nameOrPath);
  const path = join(SCENARIOS_DIR, `${nameOrPath}.yaml`);
  if (!existsSync(path)) {
    const names = (await readdir(SCENARIOS_DIR))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.replace(/\.yaml$/, ""));
    throw new AppError(
      ErrorCode.BadInput,
      `unknown scenario "${nameOrPath}" (shipped: ${names.join(", ")})`,
    );
  }
  return loadScenario(path);
}

/**
 * Each service's slice of the world's data: the ticket joins the Linear issues, vendor
 * status pages feed the statuspage service; a slice that is absent leaves its service
 * unmounted.
 */
export function scenarioServiceData(scenario: Scenario): Record<SimServiceName, unknown> {
  return {
    slack: scenario.slack,
    linear: { ...scenario.linear, issues: [scenario.ticket, ...scenario.linear.issues] },
    sentry: scenario.sentry,
    github: scenario.github,
    aws: scenario.aws,
    statuspage: scenario.vendorStatus,
  };
}
