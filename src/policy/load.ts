import { access, readdir, readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { parse } from "yaml";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { type PolicyFile, parsePolicyFile } from "./file-schema.ts";
import { checkPolicyName } from "./names.ts";
import { type PolicyLayer, resolveLoadedPolicy } from "./resolve.ts";
import { LEVELS, type Level, type LoadedPolicy } from "./types.ts";

/**
 * Reading policy files. The layout of a policy directory:
 *   platform.yaml              required: the platform team's defaults
 *   org.yaml                   optional
 *   teams/<team>.yaml          optional, one per team
 *   services/<service>.yaml    optional, one per service; names its `team`
 */

export interface PolicyScope {
  team?: string | undefined;
  service?: string | undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads and validates one file; level and name say where it sits in the chain. */
export async function readPolicyLayer(
  source: string,
  level: Level,
  name?: string,
): Promise<PolicyLayer> {
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (error) {
    throw new AppError(ErrorCode.PolicyInvalid, `${source}: cannot be read`, { cause: error });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new AppError(ErrorCode.PolicyInvalid, `${source}: invalid YAML: ${reason}`, {
      cause: error,
    });
  }
  const file: PolicyFile = parsePolicyFile(source, level, doc);
  return name === undefined ? { level, source, file } : { level, source, name, file };
}

type LayerReader = typeof readPolicyLayer;

/**
 * A reader that reads and validates each file once: every chain of one directory check
 * shares platform.yaml, org.yaml and its team's file. A layer is never mutated by a merge.
 */
function cachedLayerReader(): LayerReader {
  const layers = new Map<string, Promise<PolicyLayer>>();
  return (source, level, name) => {
    let layer = layers.get(source);
    if (layer === undefined) {
      layer = readPolicyLayer(source, level, name);
      layers.set(source, layer);
    }
    return layer;
  };
}

/**
 * The effective policy for a team and/or service, from the files in `dir`, hashed.
 * A service file names its team; `team`, when also given, must agree with it. Teams and
 * services without a file inherit the level above. Throws AppError PolicyInvalid (a
 * malformed or missing platform file) or PolicyLoosening (a lower level loosens).
 */
export function loadPolicy(dir: string, scope: PolicyScope = {}): Promise<LoadedPolicy> {
  return loadChain(dir, scope, readPolicyLayer);
}

async function loadChain(
  dir: string,
  scope: PolicyScope,
  readLayer: LayerReader,
): Promise<LoadedPolicy> {
  const layers: PolicyLayer[] = [await readLayer(join(dir, "platform.yaml"), "platform")];
  const org = join(dir, "org.yaml");
  if (await exists(org)) layers.push(await readLayer(org, "org"));

  let team = scope.team;
  if (team !== undefined) checkPolicyName("team", team);
  let serviceLayer: PolicyLayer | undefined;
  if (scope.service !== undefined) {
    checkPolicyName("service", scope.service);
    const path = join(dir, "services", `${scope.service}.yaml`);
    if (await exists(path)) {
      serviceLayer = await readLayer(path, "service", scope.service);
      const owner = serviceLayer.file.team;
      if (team !== undefined && owner !== team) {
        throw new AppError(
          ErrorCode.PolicyInvalid,
          `${path}: team '${owner}' does not match the requested team '${team}'`,
        );
      }
      team = owner;
    }
  }
  if (team !== undefined) {
    const path = join(dir, "teams", `${team}.yaml`);
    if (await exists(path)) layers.push(await readLayer(path, "team", team));
  }
  if (serviceLayer) layers.push(serviceLayer);
  return resolveLoadedPolicy(layers, { team: team ?? null, service: scope.service ?? null });
}

/** Where a file sits in the chain, from its name: platform.yaml, teams/<team>.yaml, … */
export function levelOfPath(path: string): { level: Level; name?: string } {
  const ext = extname(path);
  const base = basename(path, ext);
  const parent = basename(dirname(path));
  if (ext !== ".yaml" && ext !== ".yml") return unknownLevel(path);
  if (base === "platform") return { level: "platform" };
  if (base === "org") return { level: "org" };
  if (parent === "teams") return { level: "team", name: base };
  if (parent === "services") return { level: "service", name: base };
  return unknownLevel(path);
}

function unknownLevel(path: string): never {
  throw new AppError(
    ErrorCode.BadInput,
    `${path}: cannot tell its level; name it platform.yaml, org.yaml, teams/<team>.yaml or services/<service>.yaml`,
  );
}

/**
 * The effective policy of an explicit chain of files (e.g. a proposed change outside the
 * policy directory). Levels come from the file names; the chain must include platform.
 */
export async function loadPolicyFiles(paths: readonly string[]): Promise<LoadedPolicy> {
  const rank = (l: Level) => LEVELS.indexOf(l);
  const placed = paths.map((p) => ({ path: p, ...levelOfPath(p) }));
  placed.sort((a, b) => rank(a.level) - rank(b.level));
  const layers: PolicyLayer[] = [];
  for (const p of placed) layers.push(await readPolicyLayer(p.path, p.level, p.name));
  const team = layers.find((l) => l.level === "team")?.name;
  const service = layers.find((l) => l.level === "service");
  if (service && team !== undefined && service.file.team !== team) {
    throw new AppError(
      ErrorCode.PolicyInvalid,
      `${service.source}: team '${service.file.team}' does not match the team file '${team}'`,
    );
  }
  return resolveLoadedPolicy(layers, {
    team: service?.file.team ?? team ?? null,
    service: service?.name ?? null,
  });
}

async function yamlNames(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  return (await readdir(dir))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/**
 * Loads every chain in the directory (platform + org, each team, each service) so a
 * loosening anywhere is found, not only in the chain someone happens to ask for.
 * Returns the policies in that order; throws on the first refused file.
 */
export async function checkPolicyDir(dir: string): Promise<LoadedPolicy[]> {
  const readLayer = cachedLayerReader();
  const policies = [await loadChain(dir, {}, readLayer)];
  for (const team of await yamlNames(join(dir, "teams"))) {
    policies.push(await loadChain(dir, { team }, readLayer));
  }
  for (const service of await yamlNames(join(dir, "services"))) {
    policies.push(await loadChain(dir, { service }, readLayer));
  }
  return policies;
}
