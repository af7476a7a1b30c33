import type { Logger } from "pino";
import type { SpecialistTools } from "../../specialists/tools.ts";
import type { Specialist } from "../../specialists/types.ts";
import type { LinearGateway } from "../adapters/linear/client.ts";
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
  specialists: Specialist[];
  /** Policy for a ticket's scope (team/service). */
  policyFor(scope: { team?: string; service?: string }): Promise<LoadedPolicy>;
  /** The service catalog from policy/services/*.yaml (used to resolve a ticket's scope). */
  catalog: ServiceCatalog;
  wikiDir: string;
  notifier: TriageNotifier;
  /** Whether delivery (worktree, coding agent, PR) is configured; until it is, the gate's pass hands off. */
  deliveryConfigured: boolean;
}
