import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { SpecialistOutputSchema } from "../../src/domain/specialist-output.ts";
import { runSpecialistIn, simTools } from "../../test/setup/scenario-ticket.ts";
import release from "../release/index.ts";
import sentry from "../sentry/index.ts";
import { codePathFiles, runCodePath } from "./index.ts";

/**
 * The code-path specialist after the real sentry and release specialists, through the
 * real GitHub reader against the simulated world: what those outputs say (the culprit
 * frame, the commit that changed its file) leads it to the line, read at the base commit
 * the world's default branch points at. Guards the finding shapes it reads from them.
 */

let world: World;
beforeAll(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterAll(async () => {
  await world.close();
});

describe("code-path in the simulated world", () => {
  it("backend-500-pr: the culprit line at the base, and the release commit that changed its file", async () => {
    const outputs = [await runSpecialistIn(world, sentry), await runSpecialistIn(world, release)];
    const repo = world.scenario.github!.repos[0]!;
    const baseSha = repo.branches[repo.default_branch]!;
    world.clearCalls();

    const out = await runCodePath({
      github: simTools(world, { sentry: false }).github!,
      baseSha,
      outputs,
      now: world.now(),
    });

    expect(out.status).toBe("returned");
    expect(SpecialistOutputSchema.safeParse(out).success).toBe(true);
    const base7 = baseSha.slice(0, 7);
    const culprit = out.findings.find((f) => f.fact.includes("(the culprit frame"));
    expect(culprit?.fact).toMatch(
      new RegExp(`^src/onboarding/complete\\.ts:42@${base7} \\(the culprit frame \\w+\\): ".+"$`),
    );
    // The release's commit that changed the file is named, cited to its commit.
    const commits = out.findings.filter((f) => /^github_commit:[0-9a-f]{40}$/.test(f.sourceRef));
    expect(commits.map((f) => f.fact).join("\n")).toContain("src/onboarding/complete.ts");
    expect(codePathFiles(out)).toContain("src/onboarding/complete.ts");
    expect(out.nextPivot).toContain(`src/onboarding/complete.ts:42@${base7}`);
    // Read-only: every call it made to GitHub was a GET.
    const github = world.calls({ service: "github" });
    expect(github.length).toBeGreaterThan(0);
    expect(github.filter((c) => !c.method.startsWith("GET "))).toEqual([]);
    expect(JSON.stringify(out)).not.toContain("@example.com");
  });
});
