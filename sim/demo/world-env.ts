import { generateKeyPairSync } from "node:crypto";
import type { World } from "../server.ts";

let appKey: string | undefined;
/** A GitHub App key for the world: generated per process, never written anywhere. */
function worldAppKey(): string {
  appKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  return appKey;
}

/**
 * The environment prode would have in production, pointed at the simulated world: every
 * SDK gets the world's URL through its base-URL option, and only the integrations the
 * scenario switches on are configured (so an absent one is a recorded gap).
 */
export function worldEnv(
  world: World,
  options: { replicaUrl?: string } = {},
): Record<string, string> {
  const s = world.scenario;
  const on = s.integrations;
  const env: Record<string, string> = {
    LINEAR_API_KEY: s.linear.apiKey,
    LINEAR_API_URL: world.urls.linear,
    LINEAR_WEBHOOK_SECRET: s.linear.webhookSecret,
    SLACK_BOT_TOKEN: s.slack.botToken,
    SLACK_SIGNING_SECRET: s.slack.signingSecret,
    SLACK_INCIDENT_CHANNEL: s.slack.incidentChannel,
    SLACK_API_URL: world.urls.slack,
  };
  if (on.sentry && s.sentry) {
    Object.assign(env, {
      SENTRY_AUTH_TOKEN: s.sentry.tokens[0] ?? "sntrys_sim_prode",
      SENTRY_ORG: s.sentry.org,
      SENTRY_API_URL: world.urls.sentry,
    });
  }
  if (on.aws && s.aws) {
    Object.assign(env, {
      AWS_REGION: s.aws.region,
      AWS_ACCESS_KEY_ID: s.aws.accessKeyIds[0] ?? "AKIASIMPRODE0000000",
      AWS_SECRET_ACCESS_KEY: "sim-secret-access-key-for-the-world-only",
      AWS_EXPECTED_ACCOUNT_ID: s.aws.expectedAccountId ?? s.aws.accountId,
      AWS_ENDPOINT_URL: world.urls.aws,
    });
  }
  if (on.github && s.github) {
    const repo = s.github.repos[0];
    const installation = s.github.installations[0];
    if (repo && installation) {
      Object.assign(env, {
        GITHUB_APP_ID: String(s.github.app.id),
        GITHUB_PRIVATE_KEY: worldAppKey(),
        GITHUB_INSTALLATION_ID: String(installation.id),
        GITHUB_REPOSITORY: `${repo.owner}/${repo.name}`,
        GITHUB_API_URL: world.urls.github,
      });
    }
  }
  if (on.replica && options.replicaUrl) env.REPLICA_DATABASE_URL = options.replicaUrl;
  if (on.vendorStatus && s.vendorStatus) {
    env.PRODE_VENDOR_STATUS = Object.keys(s.vendorStatus)
      .map((vendor) => `${vendor}=${world.urls.statuspage}/${vendor}`)
      .join(",");
    const match = Object.fromEntries(
      Object.entries(s.vendorStatus).flatMap(([vendor, page]) =>
        page.match ? [[vendor, page.match]] : [],
      ),
    );
    if (Object.keys(match).length > 0) env.PRODE_VENDOR_MATCH = JSON.stringify(match);
  }
  return env;
}
