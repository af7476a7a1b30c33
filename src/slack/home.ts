import type { WebClient } from "@slack/web-api";
import { renderAppHome, toHomeView } from "../../blocks/app-home.ts";
import { callSlack } from "../adapters/slack/client.ts";
import type { UserNames } from "../adapters/slack/user-names.ts";
import type { Db } from "../db/client.ts";
import type { PolicySource } from "../policy/source.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";
import { redactView } from "./messages.ts";
import { activeRunViews, approvalsWaitingFor } from "./run-queries.ts";
import { runVisibility } from "./visibility.ts";

export interface HomeDeps {
  db: Db;
  client: WebClient;
  policyFor: PolicySource;
  groupsOf(userId: string, candidates: readonly string[]): Promise<readonly string[]>;
  names: UserNames;
  now(): Date;
  redactor?: Redactor;
}

/**
 * Publishes the App Home of one viewer (on `app_home_opened`): the approvals waiting
 * for them (pending, theirs to decide under policy, not their own requests), the active
 * runs they may see (viewer role under each run's policy) and the engaged kill switches.
 */
export async function publishHome(deps: HomeDeps, userId: string): Promise<void> {
  const now = deps.now();
  const [viewerName, active, waiting] = await Promise.all([
    deps.names.nameOf(userId),
    activeRunViews(deps.db, 100, runVisibility(deps, userId)),
    approvalsWaitingFor(deps.db, userId, deps.policyFor, deps.groupsOf, now),
  ]);
  const view = redactView(
    { viewerName, runs: active.runs, approvals: waiting, pauses: active.pauses },
    deps.redactor ?? defaultRedactor,
  );
  const rendered = renderAppHome(view, now);
  await callSlack("views.publish", () =>
    deps.client.views.publish({ user_id: userId, view: toHomeView(rendered) }),
  );
}
