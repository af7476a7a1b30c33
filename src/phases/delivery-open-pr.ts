import { type PrRisk, prLabels, prTitle, renderPrBody } from "../delivery/pr-body.ts";
import type { CheckResult, ReviewFinding } from "../delivery/types.ts";
import { diffWorktree, removeWorktree } from "../delivery/worktree.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import type { RunContextPatch } from "../domain/run-context.ts";
import { getArtifact } from "../runner/artifacts.ts";
import type { PhaseResult } from "../runner/types.ts";
import { type DeliveryStep, worktreeFor } from "./delivery-worktree.ts";
import { bundleOf, exit, type Notify } from "./triage-context.ts";

/** A PR's create call may land after the client gave up: wait this long before looking it up. */
const GITHUB_IN_FLIGHT_MS = 60_000;
const LABEL = "agent-generated";

/**
 * OPEN_PR: what the band allows, once. `proposed_patch`: the patch stays an artifact and
 * goes to the thread with the handoff (no branch). `draft_pr`: one commit pushed through
 * the Git Data API and one draft PR, each through the effect ledger and found again by
 * its branch after a crash, labelled, never merged; over the team's review-load cap the
 * run hands off instead. A dry run records each of these as "would have …" and makes none.
 */
export async function openPrPhase(step: DeliveryStep, notify: Notify): Promise<PhaseResult> {
  const { deps, delivery, ctx, state, policy } = step;
  const t = ctx.context;
  const wt = await worktreeFor(step);
  const diff = await diffWorktree(wt);
  const bundle = await bundleOf(ctx);
  if (!bundle) return exit("CANNOT_AUTO_FIX", "the evidence bundle is missing: no PR body");
  const checks = state.checksSha
    ? ((await getArtifact<{ results: CheckResult[] }>(ctx.db, ctx.run.id, state.checksSha))
        ?.results ?? [])
    : [];
  const review = state.reviewSha
    ? ((await getArtifact<{ findings: ReviewFinding[] }>(ctx.db, ctx.run.id, state.reviewSha))
        ?.findings ?? [])
    : [];
  const redact = (text: string) => deps.redactor.redact(text).text;
  const risk = riskOf(bundle);
  const labels = prLabels({ classification: bundle.classification?.class ?? "unclassified", risk });
  const title = prTitle({ bundle, redact });
  const size = `${diff.files.length} file(s), +${sum(diff, "additions")} −${sum(diff, "deletions")}`;
  const done = async (patch: RunContextPatch, description: string): Promise<PhaseResult> => {
    await removeWorktree(delivery.worktreeDir, ctx.run.id);
    await notify(ctx, patch);
    return { patch, description };
  };

  if (state.band === "proposed_patch") {
    return done(
      { delivery: { ...state } },
      `patch proposed in the thread (${size}); no branch: the service allows a proposed patch at most`,
    );
  }

  const branch = state.branch!;
  const baseSha = state.baseSha!;
  if (state.dryRun) {
    const wouldHave = [
      `push branch ${branch} to ${state.repository}: one commit on ${baseSha.slice(0, 7)} changing ${size}`,
      `open a draft PR on ${state.repository}: "${title}", labelled ${labels.join(", ")}`,
      `update prode's comment on ${ctx.run.ticket} with the PR link`,
    ];
    return done(
      { delivery: { ...state, wouldHave } },
      `dry run: would have opened a draft PR on ${state.repository} (${size}); nothing was changed`,
    );
  }

  const github = delivery.github(state.repository);
  const existing = await github.findPullByHead(branch);
  if (!existing) {
    const open = await github.countOpenPulls(LABEL);
    const cap = policy.delivery.max_open_prs_per_team;
    if (open >= cap) {
      return exit(
        "CANNOT_AUTO_FIX",
        `review-load cap reached while preparing the PR: ${open} open prode PR(s) (cap ${cap}); nothing was pushed`,
      );
    }
  }
  const pushed = await ctx.effect({
    name: "github.push",
    capability: "push_branch",
    inFlightMs: GITHUB_IN_FLIGHT_MS,
    perform: async () => {
      const { headSha } = await github.pushCommit({
        branch,
        baseSha,
        message: `${title}\n\nprode run ${ctx.run.id} for ${ctx.run.ticket}. Draft for human review.`,
        // The run's start, not now: a rerun after a crash between the commit and the
        // branch makes the same commit (same SHA), not an orphaned twin.
        date: ctx.run.createdAt.toISOString(),
        changes: diff.files.map((f) => ({
          path: f.path,
          content: f.status === "removed" ? null : f.content,
          ...(f.mode ? { mode: f.mode } : {}),
        })),
      });
      return { externalId: headSha, result: headSha };
    },
    reconcile: async () => {
      const head = await github.branchHead(branch);
      return head ? { externalId: head, result: head } : null;
    },
  });
  const headSha = pushed.result;
  const body = renderPrBody({
    runId: ctx.run.id,
    bundle,
    bundleDigest: t.bundleSha ?? "",
    policyHash: policy.hash,
    baseSha,
    headSha,
    diff,
    checks,
    review,
    agent: {
      command: delivery.agentCommand,
      ...(delivery.agentVersion ? { version: delivery.agentVersion } : {}),
    },
    redact,
  });
  const pr = await ctx.effect({
    name: "github.pull_request",
    capability: "open_pr",
    inFlightMs: GITHUB_IN_FLIGHT_MS,
    perform: async () => {
      const created = await github.createDraftPull({
        branch,
        base: state.baseBranch ?? "main",
        title,
        body,
      });
      return {
        externalId: String(created.number),
        result: { number: created.number, url: created.url },
      };
    },
    reconcile: async () => {
      const found = existing ?? (await github.findPullByHead(branch));
      return found
        ? { externalId: String(found.number), result: { number: found.number, url: found.url } }
        : null;
    },
  });
  await ctx.effect({
    name: "github.labels",
    capability: "github_label",
    perform: async () => {
      await github.addLabels(pr.result.number, labels);
      return { externalId: `${pr.result.number}:${labels.join(",")}`, result: null };
    },
  });
  return done(
    { delivery: { ...state, headSha, pr: pr.result }, prUrl: pr.result.url },
    `draft PR #${pr.result.number} opened on ${state.repository} (${size})`,
  );
}

function sum(
  diff: { files: { additions: number; deletions: number }[] },
  key: "additions" | "deletions",
) {
  return diff.files.reduce((n, f) => n + f[key], 0);
}

/** The PR's risk: the code change's mitigation risk when the bundle has one, else medium. */
function riskOf(bundle: EvidenceBundle): PrRisk {
  const change = bundle.mitigations.find((m) => m.kind === "code_change");
  return change?.risk ?? "medium";
}
