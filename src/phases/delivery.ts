import { cp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { codePathFiles, runCodePath } from "../../specialists/code-path/index.ts";
import { agentShape, runAgent } from "../delivery/agent.ts";
import { renderBrief } from "../delivery/brief.ts";
import { commandArgv, runCommand, scrubbedEnv } from "../delivery/exec.ts";
import { approvalFindings, blockingFindings, reviewDiff } from "../delivery/review.ts";
import { DEFAULT_SANDBOX } from "../delivery/sandbox.ts";
import type { DiffFile, ReviewFinding, WorktreeDiff } from "../delivery/types.ts";
import { failingLines, runChecks } from "../delivery/verify.ts";
import {
  createWorktree,
  diffWorktree,
  removeWorktree,
  type Worktree,
  worktreeBytes,
} from "../delivery/worktree.ts";
import { asAppError } from "../domain/errors.ts";
import type { DeliveryState, RunContext } from "../domain/run-context.ts";
import { scopeOf } from "../domain/run-context.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import { evaluateAndRecord } from "../policy/decisions.ts";
import { getArtifact, putArtifact } from "../runner/artifacts.ts";
import type { PhaseHandler, PhaseHandlers, PhaseResult } from "../runner/types.ts";
import { openPrPhase } from "./delivery-open-pr.ts";
import {
  baseFile,
  branchName,
  type DeliveryStep,
  IMPLEMENT_MARKER,
  treeCaps,
  worktreeFor,
} from "./delivery-worktree.ts";
import type { DeliveryDeps, PipelineDeps } from "./deps.ts";
import { bundleOf, exit, loadEvidence, type Notify } from "./triage-context.ts";

/**
 * The delivery phases of DESIGN.md, after the evidence gate: CREATE_WORKTREE (code path,
 * base commit, isolated worktree) → IMPLEMENT (the coding agent) → VERIFY (the service's
 * checks) → REVIEW (the diff against policy) → OPEN_PR (one draft PR, or the patch in
 * the thread). Every problem ends the run on a named exit with a handoff; a provider
 * that is down is retried by the runner. The worktree is removed on every exit.
 */
export function deliveryPhases(
  deps: PipelineDeps,
  notify: Notify,
): Pick<PhaseHandlers, "CREATE_WORKTREE" | "IMPLEMENT" | "VERIFY" | "REVIEW" | "OPEN_PR"> {
  const delivery = deps.delivery;
  if (!delivery) {
    const unavailable = async () =>
      exit("CANNOT_AUTO_FIX", "delivery is not configured (PRODE_AGENT_COMMAND, GitHub App)");
    return {
      CREATE_WORKTREE: unavailable,
      IMPLEMENT: unavailable,
      VERIFY: unavailable,
      REVIEW: unavailable,
      OPEN_PR: unavailable,
    };
  }
  const guarded = (handler: (step: DeliveryStep) => Promise<PhaseResult>) =>
    guard(deps, delivery, handler);
  return {
    CREATE_WORKTREE: guarded(createWorktreePhase),
    IMPLEMENT: guarded(implementPhase),
    VERIFY: guarded(verifyPhase),
    REVIEW: guarded(reviewPhase),
    OPEN_PR: guarded((step) => openPrPhase(step, notify)),
  };
}

/**
 * Runs a delivery phase: a run without delivery state cannot be here (it skipped the
 * gate); a permanent error (bad input, not found, forbidden) is a named exit, a
 * transient one is the runner's to retry; every exit removes the worktree.
 */
function guard(
  deps: PipelineDeps,
  delivery: DeliveryDeps,
  handler: (step: DeliveryStep) => Promise<PhaseResult>,
): PhaseHandler {
  return async (ctx) => {
    const state = ctx.context.delivery;
    if (!state) {
      return exit("CANNOT_AUTO_FIX", `${ctx.phase} reached without the gate's delivery decision`);
    }
    let result: PhaseResult;
    try {
      const policy = await deps.policyFor(scopeOf(ctx.context));
      result = await handler({ deps, delivery, ctx, state, policy });
    } catch (thrown) {
      const error = asAppError(thrown);
      if (error.retryable || ctx.signal.aborted) throw thrown;
      result = exit(
        "CANNOT_AUTO_FIX",
        `${ctx.phase} stopped: ${error.code}: ${error.message}; nothing was pushed by this phase`,
      );
    }
    if (result.kind === "exit") await removeWorktree(delivery.worktreeDir, ctx.run.id);
    return result;
  };
}

const withState = (state: DeliveryState, more: Partial<DeliveryState>) => ({
  delivery: { ...state, ...more },
});

async function createWorktreePhase(step: DeliveryStep): Promise<PhaseResult> {
  const { delivery, ctx, state, policy } = step;
  const t = ctx.context;
  const github = delivery.github(state.repository);
  if (state.band === "draft_pr" && !state.dryRun) {
    const over = await reviewLoadOver(delivery, t, policy.delivery.max_open_prs_per_team);
    if (over) return exit("CANNOT_AUTO_FIX", over);
  }
  const base = state.baseSha
    ? { name: state.baseBranch ?? "main", sha: state.baseSha }
    : await github.defaultBranch();
  const branch = state.branch ?? branchName(ctx.run.ticket, ctx.run.id);
  // The code path: the culprit files at the base commit and the release diff that
  // touched them, read-only, after the bundle; its output joins the bundle.
  const specialists = await loadEvidence(ctx, t.evidence);
  const codePath = await runCodePath({
    github: delivery.reader(state.repository),
    baseSha: base.sha,
    outputs: specialists,
    now: ctx.now(),
    signal: ctx.signal,
  });
  const { sha256: codePathSha } = await putArtifact(ctx.db, {
    runId: ctx.run.id,
    kind: "specialist_output",
    name: "code-path",
    value: codePath,
  });
  const bundle = await bundleOf(ctx);
  let bundleSha = t.bundleSha;
  if (bundle) {
    const joined = {
      ...bundle,
      specialists: [...bundle.specialists.filter((s) => s.specialistId !== "code-path"), codePath],
    };
    bundleSha = (
      await putArtifact(ctx.db, {
        runId: ctx.run.id,
        kind: "evidence_bundle",
        name: "bundle",
        value: joined,
      })
    ).sha256;
  }
  const files = await github.readTree(base.sha, treeCaps(policy));
  await createWorktree({
    root: delivery.worktreeDir,
    runId: ctx.run.id,
    branch,
    baseSha: base.sha,
    files,
  });
  const scopeFiles = codePathFiles(codePath);
  return {
    patch: {
      ...withState(state, {
        baseBranch: base.name,
        baseSha: base.sha,
        branch,
        codePathSha,
        scopeFiles,
      }),
      ...(bundleSha ? { bundleSha } : {}),
    },
    description: `worktree of ${state.repository} at ${base.sha.slice(0, 7)} on ${branch}; code path: ${scopeFiles.length ? scopeFiles.join(", ") : "no files named"}`,
  };
}

/** The review-load cap: a sentence saying why the run stops, or null under it. */
async function reviewLoadOver(
  delivery: DeliveryDeps,
  t: RunContext,
  cap: number,
): Promise<string | null> {
  const repositories = delivery.repositoriesOfTeam(t.team, t.service);
  let open = 0;
  for (const repository of repositories) {
    open += await delivery.github(repository).countOpenPulls("agent-generated");
  }
  if (open < cap) return null;
  return `review-load cap reached: ${open} open prode PR(s) for ${t.team ? `team ${t.team}` : "this service"} (cap ${cap}); prode opens no more until one is merged or closed, and hands this fix to a human`;
}

async function implementPhase(step: DeliveryStep): Promise<PhaseResult> {
  const { deps, delivery, ctx, state, policy } = step;
  const _t = ctx.context;
  // A retried IMPLEMENT starts from the base again: never from a half-run agent's tree.
  const wt = await worktreeFor(step, { fresh: true });
  await writeFile(join(wt.runDir, IMPLEMENT_MARKER), ctx.run.id);
  const bundle = await bundleOf(ctx);
  if (!bundle) return exit("CANNOT_AUTO_FIX", "the evidence bundle is missing: no brief to give");
  const codePath = state.codePathSha
    ? await getArtifact<SpecialistOutput>(ctx.db, ctx.run.id, state.codePathSha)
    : undefined;
  const brief = renderBrief({
    bundle,
    ...(codePath ? { codePath } : {}),
    skill: await delivery.skill(),
    allowedPaths: [],
    forbiddenPaths: policy.forbidden_paths,
    budget: policy.max_pr_size,
    ticketKey: ctx.run.ticket,
    redact: (text) => deps.redactor.redact(text).text,
  });
  const seconds = policy.delivery.agent_timeout_seconds;
  const agent = await runAgent({
    template: delivery.agentCommand,
    worktree: wt,
    brief,
    timeoutMs: seconds * 1000,
    maxOutputBytes: 256 * 1024,
    redactor: deps.redactor,
    signal: ctx.signal,
    sandbox: delivery.sandbox,
  });
  const { sha256: agentOutputSha } = await putArtifact(ctx.db, {
    runId: ctx.run.id,
    kind: "agent_output",
    name: "implement",
    value: { outcome: agent.outcome, detail: agent.detail, ...agent.result },
  });
  const tail = failingLines(agent.result, 10).join("\n");
  switch (agent.outcome) {
    case "timeout":
      return exit(
        "CANNOT_AUTO_FIX",
        `the coding agent passed its time limit of ${seconds} s and was killed with its process group; nothing was pushed`,
        withState(state, { agentOutputSha }),
      );
    case "failed":
      return exit(
        "CANNOT_AUTO_FIX",
        `the coding agent exited with ${agent.result.exitCode ?? agent.result.signal}: ${tail || agent.detail}; nothing was pushed`,
        withState(state, { agentOutputSha }),
      );
    case "escaped":
      return exit(
        "CANNOT_AUTO_FIX",
        `the coding agent wrote outside its worktree (${agent.detail}); its change is discarded and nothing was pushed`,
        withState(state, { agentOutputSha }),
      );
    case "no_diff":
      return exit(
        "CANNOT_AUTO_FIX",
        "the coding agent made no change; the fix is handed to a human with the evidence",
        withState(state, { agentOutputSha }),
      );
    case "changed":
      break;
    default: {
      const never: never = agent.outcome;
      throw new Error(`unknown agent outcome ${String(never)}`);
    }
  }
  const diff = agent.diff ?? (await diffWorktree(wt));
  const bytes = await worktreeBytes(wt);
  if (bytes > policy.delivery.worktree.max_bytes) {
    return exit(
      "CANNOT_AUTO_FIX",
      `the worktree grew to ${bytes} bytes, over the cap of ${policy.delivery.worktree.max_bytes}; nothing was pushed`,
      withState(state, { agentOutputSha }),
    );
  }
  const { sha256: diffSha } = await putArtifact(ctx.db, {
    runId: ctx.run.id,
    kind: "diff",
    name: "implement",
    value: diff,
  });
  return {
    patch: withState(state, { agentOutputSha, diffSha }),
    description: `the coding agent changed ${diff.files.length} file(s), ${diff.lines} line(s)`,
  };
}

async function verifyPhase(step: DeliveryStep): Promise<PhaseResult> {
  const { deps, ctx, state, policy } = step;
  const wt = await worktreeFor(step);
  const checks = policy.delivery.checks;
  // The checks run on a copy: build output they write must never join the change.
  const copy = join(wt.runDir, "verify");
  await rm(copy, { recursive: true, force: true });
  await cp(wt.dir, copy, { recursive: true, verbatimSymlinks: true });
  const verdict = await runChecks({
    checks,
    worktree: { ...wt, dir: copy },
    redactor: deps.redactor,
    signal: ctx.signal,
    maxOutputBytes: 128 * 1024,
    sandbox: step.delivery.sandbox,
  }).finally(() => rm(copy, { recursive: true, force: true }));
  const { sha256: checksSha } = await putArtifact(ctx.db, {
    runId: ctx.run.id,
    kind: "checks",
    name: "verify",
    value: verdict,
  });
  if (!verdict.passed) {
    const failed = verdict.results.find((r) => !r.passed);
    const lines = failed ? failingLines(failed, 20).join("\n") : "";
    return exit(
      "CANNOT_AUTO_FIX",
      `check "${failed?.name ?? "?"}" (${failed?.command ?? "?"}) ${failed?.timedOut ? "passed its time limit" : `failed with ${failed?.exitCode ?? failed?.signal}`} on prode's change; nothing was pushed:\n${lines}`,
      withState(state, { checksSha }),
    );
  }
  return {
    patch: withState(state, { checksSha }),
    description: checks.length
      ? `checks passed: ${verdict.results.map((r) => r.name).join(", ")}`
      : "no checks declared",
  };
}

async function reviewPhase(step: DeliveryStep): Promise<PhaseResult> {
  const { deps, delivery, ctx, state, policy } = step;
  const t = ctx.context;
  const wt = await worktreeFor(step);
  const diff = await diffWorktree(wt);
  const base = await baseContents(wt, diff.files);
  const findings: ReviewFinding[] = reviewDiff({
    diff,
    baseContent: (path) => base.get(path),
    forbiddenPaths: policy.forbidden_paths,
    maxPrSize: policy.max_pr_size,
    scopeFiles: state.scopeFiles ?? [],
    redactor: deps.redactor,
    ownSecrets: delivery.ownSecrets,
  });
  // Every gate evaluation leaves a policy decision record (paths and size of the change).
  const gate = await evaluateAndRecord(ctx.db, policy, {
    action: "open_pr",
    runId: ctx.run.id,
    ...scopeOf(t),
    confidence: state.confidence,
    paths: diff.files.map((f) => f.path),
    prSize: { lines: diff.lines, files: diff.files.length },
  });
  if (gate.decision === "deny") {
    findings.push({
      rule: "diff_size",
      severity: "blocking",
      message: `policy denies the change: ${gate.explanation}`,
    });
  }
  if (delivery.reviewerCommand)
    findings.push(await runReviewer(deps, delivery, wt, diff, ctx.signal));
  const { sha256: reviewSha } = await putArtifact(ctx.db, {
    runId: ctx.run.id,
    kind: "review",
    name: "review",
    value: { findings, policyDecision: gate.decision },
  });
  const blocking = blockingFindings(findings);
  if (blocking.length > 0) {
    return exit(
      "CANNOT_AUTO_FIX",
      `review stopped prode's change: ${blocking.map((f) => f.message).join("; ")}; nothing was pushed`,
      withState(state, { reviewSha }),
    );
  }
  const approval = approvalFindings(findings);
  if (approval.length > 0) {
    return exit(
      "APPROVAL_REQUIRED",
      `prode's change touches files that need a human's decision: ${approval.map((f) => f.message).join("; ")}; nothing was pushed`,
      withState(state, { reviewSha }),
    );
  }
  return {
    patch: withState(state, { reviewSha }),
    description: `review: ${findings.length} finding(s), none blocking`,
  };
}

/**
 * Each changed file's content at the base commit (the worktree's own base commit, not
 * a redacted copy), for the secret scan's delta: a secret already there is not the
 * change's.
 */
async function baseContents(
  wt: Worktree,
  files: readonly DiffFile[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of files) {
    if (f.status === "added") continue;
    const content = await baseFile(wt, f.path);
    if (content !== undefined) out.set(f.path, content);
  }
  return out;
}

/**
 * The optional reviewer (PRODE_REVIEWER_COMMAND): run like the agent, in the worktree,
 * with the diff as its brief. Exit 0 is a note carrying its last lines; anything else
 * blocks, so a reviewer that objects (or breaks) never lets the PR through silently.
 */
async function runReviewer(
  deps: PipelineDeps,
  delivery: DeliveryDeps,
  wt: Worktree,
  diff: WorktreeDiff,
  signal: AbortSignal,
): Promise<ReviewFinding> {
  const brief = join(wt.runDir, "review.diff");
  await writeFile(brief, deps.redactor.redact(diff.patch).text);
  // On a copy, like the checks: nothing the reviewer writes can join the change.
  const copy = join(wt.runDir, "review");
  await rm(copy, { recursive: true, force: true });
  await cp(wt.dir, copy, { recursive: true, verbatimSymlinks: true });
  const result = await runCommand({
    argv: commandArgv(delivery.reviewerCommand!, { brief, worktree: copy, run: wt.runId }),
    cwd: copy,
    env: scrubbedEnv({ home: wt.home, tmp: wt.tmp }),
    timeoutMs: 5 * 60_000,
    maxOutputBytes: 64 * 1024,
    redact: (text) => deps.redactor.redact(text).text,
    signal,
    // The reviewer may call its model's API, like the agent; it writes only its copy.
    sandbox: {
      policy: delivery.sandbox ?? DEFAULT_SANDBOX,
      shape: agentShape({ ...wt, dir: copy }, { network: true }),
    },
  }).finally(() => rm(copy, { recursive: true, force: true }));
  const said = failingLines(result, 10).join(" / ");
  return result.exitCode === 0
    ? { rule: "reviewer", severity: "note", message: `reviewer: ${said || "no remarks"}` }
    : {
        rule: "reviewer",
        severity: "blocking",
        message: `the reviewer ${result.timedOut ? "passed its time limit" : `exited with ${result.exitCode ?? result.signal}`}: ${said}`,
      };
}
