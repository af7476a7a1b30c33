import { spawn } from "node:child_process";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { type ScenarioRunOptions, startHarness } from "../demo/run-scenario.ts";
import { findScenario } from "../scenario.ts";
import { castPolicy } from "./policy-cast.ts";
import { attachWorkspace } from "./workspace.ts";

/**
 * `prode demo --open`: one scenario, interactive. prode starts through the scenario
 * harness (the composition root, `dev` role) as in the demo, the world serves the
 * workspace page, the ticket arrives as the demo sends it, and then everything stays up
 * so a person can click, type `/prode …` and ask in the thread, until SIGINT/SIGTERM.
 */
export async function openScenario(
  options: ScenarioRunOptions & {
    say: (line: string) => void;
    /** Resolves when the session should end (the CLI passes a signal). */
    until: Promise<unknown>;
    /** Try to open the page in the desktop's browser (default true). */
    launch?: boolean;
  },
): Promise<string> {
  const { say } = options;
  const scenario =
    typeof options.scenario === "string" ? await findScenario(options.scenario) : options.scenario;
  // The world's people cast in the policy, so the page's picker can try the approval rules.
  const policy = await castPolicy(options.policyDir ?? "policy", scenario);
  say(
    `policy: ${options.policyDir ?? "policy"} with the workspace's people cast (${Object.entries(
      policy.cast,
    )
      .map(([part, player]) => `${player} as ${part}`)
      .join(", ")})`,
  );
  const h = await startHarness({ ...options, scenario, policyDir: policy.dir }).catch(
    async (error: unknown) => {
      await policy.remove();
      throw error;
    },
  );
  try {
    const page = attachWorkspace(h.world, { prodeUrl: h.url });
    say(`workspace: ${page.url}  (prode at ${h.url}; Ctrl-C to stop)`);
    if (options.launch !== false) openInBrowser(page.url);
    const accepted = await h.trigger();
    if (accepted.status !== 200 || !accepted.runId) {
      throw new AppError(
        ErrorCode.UpstreamRejected,
        `intake refused the webhook: ${accepted.status} ${JSON.stringify(accepted.body)}`,
      );
    }
    const run = await h.follow(accepted.runId);
    say(
      `   → ${run.outcome ?? run.phase}: the thread is in the page; pick a user to approve, ask @prode in the thread, or type /prode status`,
    );
    await options.until;
    return run.outcome ?? run.phase;
  } finally {
    await h.close();
    await policy.remove();
  }
}

/** The desktop's opener (xdg-open, open), if there is one; nothing happens without. */
function openInBrowser(url: string): void {
  const opener = process.platform === "darwin" ? "open" : "xdg-open";
  try {
    const child = spawn(opener, [url], { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No opener: the URL is printed.
  }
}
