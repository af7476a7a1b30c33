import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scenario } from "../scenario.ts";

/**
 * The shipped policy names the organisation's people (U0LEADAMY, S0ONCALL, …); the
 * simulated workspace has its own. To try the approval rules from the workspace page
 * (`prode sim --ui`, `prode demo --open`), prode reads a copy of the policy in which the
 * world's people play those parts, as the end-to-end tests cast them: the on-call group
 * operates, the engineering lead and the approvers' group approve. Nothing else in the
 * policy changes, so its rules (two-person rule, expiries, thresholds) are the shipped ones.
 */
export const POLICY_CAST: Readonly<Record<string, string>> = {
  U0LEADAMY: "U0ENGLEAD2",
  S0ENGLEADS: "S0APPROVER",
  S0ONCALL: "S0SREONCAL",
  S0EVERYONE: "S0SREONCAL",
};

export interface CastPolicy {
  dir: string;
  /** The parts given, shipped principal → the world's. */
  cast: Record<string, string>;
  remove(): Promise<void>;
}

/** A copy of `sourceDir` with the world's people cast; only parts whose player exists in the world. */
export async function castPolicy(sourceDir: string, scenario: Scenario): Promise<CastPolicy> {
  const people = new Set([
    ...scenario.slack.users.map((u) => u.id),
    ...scenario.slack.usergroups.map((g) => g.id),
  ]);
  const cast = Object.fromEntries(
    Object.entries(POLICY_CAST).filter(([, player]) => people.has(player)),
  );
  const dir = await mkdtemp(join(tmpdir(), "prode-sim-policy-"));
  await cp(sourceDir, dir, { recursive: true });
  const files = (await readdir(dir, { recursive: true })).filter(
    (f) => /\.ya?ml$/.test(f) && !f.endsWith("cases.yaml"),
  );
  for (const file of files) {
    const path = join(dir, file);
    const text = await readFile(path, "utf8");
    const replaced = Object.entries(cast).reduce(
      (acc, [part, player]) => acc.replace(new RegExp(`\\b${part}\\b`, "g"), player),
      text,
    );
    if (replaced !== text) await writeFile(path, replaced);
  }
  return { dir, cast, remove: () => rm(dir, { recursive: true, force: true }) };
}
