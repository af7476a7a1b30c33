import type { Logger } from "pino";
import type { GitHubReader, SpecialistTools } from "../../specialists/tools.ts";
import type { Specialist } from "../../specialists/types.ts";
import type { LinearGateway } from "../adapters/linear/client.ts";
import type { OwnSecrets } from "../delivery/review-own-secrets.ts";
import type { SandboxPolicy } from "../delivery/sandbox.ts";
import type { DeliveryGitHub } from "../delivery/types.ts";
import type { ConnectorId } from "../domain/evidence-context.ts";
import type { ServiceCatalog } from "../policy/catalog.ts";
import type { LoadedPolicy } from "../policy/types.ts";
import type { TriageNotifier } from "../runner/ports.ts";
import type { Redactor } from "../safety/redact.ts";

export type ProbeResult =
  | { ok: true; detail?: string; physicallyReadOnly?: boolean }
  | { ok: false; reason: string };

/** One connector as the inventory sees it: configured or not, and how to probe it. */
export interface ConnectorProbe {
  connector: ConnectorId;
  /** Confidence points lost when this connector is needed but absent. */
  confidenceImpact: number;
  /** Undefined when the connector is not configured: recorded as missing. */
  probe?: () => Promise<ProbeResult>;
  /** Why it is missing, when it is (e.g. "no SENTRY_AUTH_TOKEN"). */
  missingReason?: string;
}

/** Everything the evidence phases use, wired once by the composition root. */
export interface PipelineDeps {
  log: Logger;
  redactor: Redactor;
  linear?: LinearGateway;
  connectors: ConnectorProbe[];
  /** The read-only tools, present only for configured connectors. */
  tools: SpecialistTools;
  /**
   * The release evidence reader for a run's service: its own repository (catalog, else the
   * one named like it), not only GITHUB_REPOSITORY (src/compose/github-for-service.ts).
   */
  githubFor?: (service: string | undefined) => NonNullable<SpecialistTools["github"]>;
  specialists: Specialist[];
  /** Policy for a ticket's scope (team/service). */
  policyFor(scope: { team?: string; service?: string }): Promise<LoadedPolicy>;
  /** The service catalog from policy/services/*.yaml (used to resolve a ticket's scope). */
  catalog: ServiceCatalog;
  wikiDir: string;
  notifier: TriageNotifier;
  /**
   * Delivery (worktree, coding agent, checks, draft PR), when a coding-agent command and
   * the GitHub App are configured; without it the gate's pass hands the fix to a human.
   */
  delivery?: DeliveryDeps;
  /** Why delivery is off, in words, when it is (for the handoff). */
  deliveryOff?: string;
}

/** What the delivery phases use; only they hold the write-capable GitHub port. */
export interface DeliveryDeps {
  /** The write-capable port for one repository (`owner/name`). */
  github(repository: string): DeliveryGitHub;
  /** The read-only reader for one repository (the code-path specialist). */
  reader(repository: string): GitHubReader;
  /** A service's repository: its catalog entry (a service without one gets no change). */
  repositoryFor(service: string | undefined): string | undefined;
  /** Every repository of a team's services (the review-load cap counts PRs across them). */
  repositoriesOfTeam(team: string | undefined, service: string | undefined): string[];
  /** PRODE_AGENT_COMMAND: a template, run without a shell. */
  agentCommand: string;
  agentVersion?: string;
  reviewerCommand?: string;
  worktreeDir: string;
  /** The skill handed to the agent with the brief. */
  skill(): Promise<string>;
  /** PRODE_DRY_RUN: dry run everywhere, whatever policy says. */
  dryRun: boolean;
  /** PRODE_AGENT_SANDBOX and the directories children must not see; absent: required. */
  sandbox?: SandboxPolicy;
  /** prode's own configured secrets, which REVIEW looks for by value in the diff. */
  ownSecrets?: OwnSecrets;
}
