import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import { evaluate, type GateRequest } from "./evaluate.ts";
import { loadPolicy } from "./load.ts";
import { canApprove, type Principal } from "./roles.ts";
import { isAction, type LoadedPolicy, POLICY_DECISIONS, type PolicyDecision } from "./types.ts";

/**
 * Table-driven policy cases (`policy/cases.yaml`): each case is a gate request in a
 * team/service scope and the decision and matched rules the shipped policy must give,
 * so a policy change that alters behaviour shows up as a failing case in review.
 */

const principal = z.strictObject({
  user: z.string().min(1),
  groups: z.array(z.string()).optional(),
});

const policyCase = z.strictObject({
  name: z.string().min(1),
  team: z.string().optional(),
  service: z.string().optional(),
  action: z.string().min(1),
  confidence: z.number().optional(),
  paths: z.array(z.string()).optional(),
  pr_size: z.strictObject({ lines: z.int().min(0), files: z.int().min(0) }).optional(),
  actor: principal.optional(),
  /** Someone to check `canApprove` for, with `expect.can_approve`. */
  approver: principal.optional(),
  expect: z.strictObject({
    decision: z.enum(POLICY_DECISIONS),
    /** Compared as a set: every rule, no more. */
    matched_rules: z.array(z.string()).optional(),
    can_approve: z.boolean().optional(),
  }),
});

const casesFile = z.strictObject({
  version: z.literal(1),
  cases: z.array(policyCase).min(1),
});

type PolicyCase = z.infer<typeof policyCase>;

interface PolicyCaseResult {
  name: string;
  ok: boolean;
  /** What differed, one line each; empty when ok. */
  problems: string[];
  actual?: { decision: PolicyDecision; matchedRules: string[]; canApprove?: boolean };
}

const toPrincipal = (p: z.infer<typeof principal>): Principal => ({
  userId: p.user,
  groupIds: p.groups ?? [],
});

/** Reads and validates a cases file; a malformed one → PolicyInvalid naming the field. */
async function readPolicyCases(path: string): Promise<PolicyCase[]> {
  let doc: unknown;
  try {
    doc = parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new AppError(ErrorCode.PolicyInvalid, `${path}: ${asAppError(error).message}`, {
      cause: error,
    });
  }
  const result = casesFile.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AppError(
      ErrorCode.PolicyInvalid,
      `${path}: ${issue?.path.join(".") || "(top level)"}: ${issue?.message}`,
    );
  }
  return result.data.cases;
}

function checkCase(policy: LoadedPolicy, c: PolicyCase): PolicyCaseResult {
  const request: GateRequest = {
    action: c.action,
    runId: null,
    ...(c.team !== undefined && { team: c.team }),
    ...(c.service !== undefined && { service: c.service }),
    ...(c.confidence !== undefined && { confidence: c.confidence }),
    ...(c.paths !== undefined && { paths: c.paths }),
    ...(c.pr_size !== undefined && { prSize: c.pr_size }),
    ...(c.actor !== undefined && { actor: toPrincipal(c.actor) }),
  };
  const result = evaluate(policy, request);
  const problems: string[] = [];
  if (result.decision !== c.expect.decision) {
    problems.push(`decision ${result.decision}, expected ${c.expect.decision}`);
  }
  if (c.expect.matched_rules) {
    const want = [...c.expect.matched_rules].sort();
    const got = [...result.matchedRules].sort();
    if (want.join("\n") !== got.join("\n")) {
      problems.push(`matched rules [${got.join(", ")}], expected [${want.join(", ")}]`);
    }
  }
  let approves: boolean | undefined;
  if (c.expect.can_approve !== undefined) {
    if (!c.approver || !isAction(c.action)) {
      problems.push("expect.can_approve needs an `approver` and a known action");
    } else {
      approves = canApprove(policy, c.action, toPrincipal(c.approver));
      if (approves !== c.expect.can_approve) {
        problems.push(`can_approve ${approves}, expected ${c.expect.can_approve}`);
      }
    }
  }
  return {
    name: c.name,
    ok: problems.length === 0,
    problems,
    actual: {
      decision: result.decision,
      matchedRules: result.matchedRules,
      ...(approves !== undefined && { canApprove: approves }),
    },
  };
}

/**
 * Runs every case in `casesPath` (default `<dir>/cases.yaml`) against the policy in
 * `dir`. A case whose policy does not load fails with the load error; the others run.
 */
export async function runPolicyCases(
  dir: string,
  casesPath: string = join(dir, "cases.yaml"),
): Promise<PolicyCaseResult[]> {
  const cases = await readPolicyCases(casesPath);
  const policies = new Map<string, Promise<LoadedPolicy>>();
  const results: PolicyCaseResult[] = [];
  for (const c of cases) {
    const key = `${c.team ?? ""}/${c.service ?? ""}`;
    if (!policies.has(key))
      policies.set(key, loadPolicy(dir, { team: c.team, service: c.service }));
    try {
      results.push(checkCase(await policies.get(key)!, c));
    } catch (error) {
      results.push({ name: c.name, ok: false, problems: [asAppError(error).message] });
    }
  }
  return results;
}
