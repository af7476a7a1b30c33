import { readFile } from "node:fs/promises";
import type { Octokit } from "@octokit/rest";
import type { Logger } from "pino";
import { createDbSpecialist } from "../../specialists/db/index.ts";
import { SPECIALISTS } from "../../specialists/registry.ts";
import type { GitHubReader, SpecialistTools } from "../../specialists/tools.ts";
import { type CloudWatchReaderHandle, createCloudWatchReader } from "../adapters/aws/cloudwatch.ts";
import { probeAws } from "../adapters/aws/sts.ts";
import { createInstallationOctokit, probeGitHub } from "../adapters/github/app.ts";
import { createGitHubReader } from "../adapters/github/reader.ts";
import { createDeliveryGitHub } from "../adapters/github/writer.ts";
import { createLinearGateway } from "../adapters/linear/client.ts";
import { openReplica, type ReplicaAdapter } from "../adapters/replica/reader.ts";
import type { RetryObserver } from "../adapters/retry.ts";
import { createSentryReader, probeSentry } from "../adapters/sentry/reader.ts";
import { createVendorStatusReader } from "../adapters/vendor/status.ts";
import type { Config } from "../config/index.ts";
import { OwnSecrets } from "../delivery/review-own-secrets.ts";
import type { DeliveryGitHub } from "../delivery/types.ts";
import type { ConnectorProbe, DeliveryDeps, PipelineDeps } from "../phases/deps.ts";
import { catalogDataChecks, loadServiceCatalog, type ServiceCatalog } from "../policy/catalog.ts";
import { cachedPolicySource, type PolicySource } from "../policy/source.ts";
import { silentNotifier, type TriageNotifier } from "../runner/ports.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { githubForService } from "./github-for-service.ts";

/** Confidence points a connector's absence costs when the ticket needs it (invariant 7). */
const IMPACT = {
  linear: 40,
  sentry: 30,
  aws: 20,
  github: 15,
  db: 15,
  vendor_status: 5,
  wiki: 0,
} as const;

/**
 * The GitHub reader, its installation Octokit created on first use (it is async). A
 * failed creation is not kept: the next call tries again, so one failed token exchange
 * does not leave GitHub missing until the worker restarts.
 */
export function lazyGitHubReader(
  open: () => Promise<Octokit>,
  owner: string,
  repo: string,
  onRetry?: RetryObserver,
): GitHubReader {
  const get = untilFailure(async () =>
    createGitHubReader({
      octokit: await open(),
      owner,
      repo,
      timeoutMs: 10_000,
      ...(onRetry ? { onRetry } : {}),
    }),
  );
  return {
    compare: async (base, head) => (await get()).compare(base, head),
    listDeployments: async (input) => (await get()).listDeployments(input),
    // createGitHubReader always defines both; the port leaves them optional for fakes.
    getFile: async (path, ref) => (await get()).getFile!(path, ref),
    getCommit: async (sha) => (await get()).getCommit!(sha),
  };
}

/**
 * `create` run once and its promise kept; a failed creation is not kept, so the next
 * call tries again (one failed token exchange must not leave GitHub missing until the
 * worker restarts).
 */
export function untilFailure<T>(create: () => Promise<T>): () => Promise<T> {
  let kept: Promise<T> | undefined;
  return () => {
    kept ??= create().catch((error: unknown) => {
      kept = undefined;
      throw error;
    });
    return kept;
  };
}

/** The GitHub App's options from configuration. */
export function githubApp(gh: NonNullable<Config["github"]>) {
  return {
    appId: gh.GITHUB_APP_ID,
    privateKey: gh.GITHUB_PRIVATE_KEY,
    installationId: gh.GITHUB_INSTALLATION_ID,
    ...(gh.GITHUB_API_URL ? { baseUrl: gh.GITHUB_API_URL } : {}),
  };
}

export interface Pipeline {
  deps: PipelineDeps;
  close(): Promise<void>;
}

/**
 * Wires the evidence pipeline from configuration: one adapter per configured
 * integration, each exposed to specialists only as a read-only port. An integration
 * that is not configured is a missing connector with its confidence impact.
 */
export async function buildPipeline(
  config: Config,
  log: Logger,
  notifier: TriageNotifier = silentNotifier,
  /** Re-read at most every 30 s per scope: a running worker sees a policy change. Pass the
   * process's one source so Slack and the pipeline share its cache. */
  policyFor: PolicySource = cachedPolicySource(config.PRODE_POLICY_DIR),
  /** Counts each retry and give-up (prode_upstream_retries_total). */
  countRetry?: RetryObserver,
): Promise<Pipeline> {
  const tools: SpecialistTools = {};
  // A throttled read waits for the provider's Retry-After within the caller's deadline.
  const onRetry: RetryObserver = (event) => {
    countRetry?.(event);
    if (event.outcome === "gave_up") log.warn({ retry: event }, "upstream read gave up retrying");
    else log.info({ retry: event }, "upstream read retried");
  };
  const connectors: ConnectorProbe[] = [];
  const missing = (connector: ConnectorProbe["connector"], reason: string): ConnectorProbe => ({
    connector,
    confidenceImpact: IMPACT[connector],
    missingReason: reason,
  });

  const linear = config.linear
    ? createLinearGateway({
        apiKey: config.linear.LINEAR_API_KEY.reveal(),
        ...(config.linear.LINEAR_API_URL ? { apiUrl: config.linear.LINEAR_API_URL } : {}),
        onRetry,
      })
    : undefined;
  connectors.push(
    linear
      ? {
          connector: "linear",
          confidenceImpact: IMPACT.linear,
          probe: async () => {
            const p = await linear.probe();
            return p.ok ? { ok: true, detail: `viewer ${p.viewer}` } : p;
          },
        }
      : missing("linear", "LINEAR_API_KEY is not set"),
  );

  if (config.sentry) {
    const options = {
      baseUrl: config.sentry.SENTRY_API_URL,
      token: config.sentry.SENTRY_AUTH_TOKEN,
      org: config.sentry.SENTRY_ORG,
      timeoutMs: 10_000,
      onRetry,
    };
    tools.sentry = createSentryReader(options);
    connectors.push({
      connector: "sentry",
      confidenceImpact: IMPACT.sentry,
      probe: async () => {
        const p = await probeSentry(options);
        return p.ok ? { ok: true, detail: `organization ${p.org}` } : p;
      },
    });
  } else connectors.push(missing("sentry", "SENTRY_AUTH_TOKEN is not set"));

  let cloudwatch: CloudWatchReaderHandle | undefined;
  if (config.aws) {
    const connection = {
      region: config.aws.AWS_REGION,
      credentials: {
        accessKeyId: config.aws.AWS_ACCESS_KEY_ID.reveal(),
        secretAccessKey: config.aws.AWS_SECRET_ACCESS_KEY.reveal(),
        ...(config.aws.AWS_SESSION_TOKEN
          ? { sessionToken: config.aws.AWS_SESSION_TOKEN.reveal() }
          : {}),
      },
      ...(config.aws.AWS_ENDPOINT_URL ? { endpoint: config.aws.AWS_ENDPOINT_URL } : {}),
    };
    cloudwatch = createCloudWatchReader({ ...connection, redactor: defaultRedactor });
    tools.cloudwatch = cloudwatch;
    const expected = config.aws.AWS_EXPECTED_ACCOUNT_ID;
    connectors.push({
      connector: "aws",
      confidenceImpact: IMPACT.aws,
      probe: async () => {
        const p = await probeAws({
          ...connection,
          ...(expected ? { expectedAccountId: expected } : {}),
        });
        return p.ok
          ? { ok: true, detail: `account ${p.account} in ${p.region}` }
          : { ok: false, reason: p.reason };
      },
    });
  } else connectors.push(missing("aws", "AWS credentials are not set"));

  // One installation client for the reader and delivery (@octokit/app renews its token).
  const openInstallation = config.github
    ? untilFailure(() => createInstallationOctokit(githubApp(config.github!)))
    : undefined;
  if (config.github && openInstallation) {
    const gh = config.github;
    const [owner, repo] = gh.GITHUB_REPOSITORY.split("/") as [string, string];
    const app = githubApp(gh);
    tools.github = lazyGitHubReader(openInstallation, owner, repo, onRetry);
    connectors.push({
      connector: "github",
      confidenceImpact: IMPACT.github,
      probe: async () => {
        const p = await probeGitHub({ ...app, owner, repo });
        return p.ok
          ? { ok: true, detail: `installation ${p.installationId} on ${p.repository}` }
          : p;
      },
    });
  } else connectors.push(missing("github", "the GitHub App is not configured"));

  let replica: ReplicaAdapter | undefined;
  if (config.replica) {
    replica = openReplica(config.replica.REPLICA_DATABASE_URL.reveal(), {
      statementTimeoutMs: config.replica.REPLICA_STATEMENT_TIMEOUT_MS,
      rowCap: config.replica.REPLICA_ROW_CAP,
      maxResultBytes: config.replica.REPLICA_MAX_RESULT_BYTES,
      maxCellBytes: config.replica.REPLICA_MAX_CELL_BYTES,
      maxPlanCost: config.replica.REPLICA_MAX_PLAN_COST,
      maxPlanRows: config.replica.REPLICA_MAX_PLAN_ROWS,
    });
    tools.replica = replica.reader;
    const adapter = replica;
    connectors.push({
      connector: "db",
      confidenceImpact: IMPACT.db,
      probe: async () => {
        const p = await adapter.probe();
        return p.ok ? { ok: true, physicallyReadOnly: p.physicallyReadOnly, detail: p.reason } : p;
      },
    });
  } else connectors.push(missing("db", "REPLICA_DATABASE_URL is not set"));

  if (Object.keys(config.vendorStatus).length > 0) {
    tools.vendorStatus = createVendorStatusReader({
      sources: config.vendorStatus,
      ...(config.PRODE_VENDOR_MATCH ? { match: config.PRODE_VENDOR_MATCH } : {}),
      ...(config.aws ? { region: config.aws.AWS_REGION } : {}),
      onRetry,
    });
    connectors.push({
      connector: "vendor_status",
      confidenceImpact: IMPACT.vendor_status,
      probe: async () => ({ ok: true, detail: Object.keys(config.vendorStatus).join(", ") }),
    });
  } else connectors.push(missing("vendor_status", "PRODE_VENDOR_STATUS is not set"));

  const catalog = await loadServiceCatalog(config.PRODE_POLICY_DIR);
  const githubFor =
    config.github && openInstallation && tools.github
      ? githubForService({
          reader: (owner, repo) => lazyGitHubReader(openInstallation, owner, repo, onRetry),
          fallback: tools.github,
          repository: config.github.GITHUB_REPOSITORY,
          catalog,
        })
      : undefined;
  const delivery =
    config.delivery && openInstallation
      ? {
          ...deliveryDeps(config.delivery, openInstallation, catalog, onRetry),
          // What the agent, the checks and the reviewer must never see: prode's state and
          // its policy (the next start would load a loosened one); its home is always hidden.
          sandbox: {
            mode: config.delivery.PRODE_AGENT_SANDBOX,
            hidden: [config.PRODE_DATA_DIR, config.PRODE_POLICY_DIR],
          },
          ownSecrets: OwnSecrets.fromConfig(config),
        }
      : undefined;
  if (config.delivery && !config.github) {
    log.warn("PRODE_AGENT_COMMAND is set but the GitHub App is not: delivery stays off");
  }
  // The db specialist's checks are the services' declared `data_checks` (none built in).
  const db = createDbSpecialist({ checks: catalogDataChecks(catalog) });
  return {
    deps: {
      log,
      redactor: defaultRedactor,
      ...(linear ? { linear } : {}),
      connectors,
      tools,
      ...(githubFor ? { githubFor } : {}),
      specialists: SPECIALISTS.map((s) => (s.id === "db" ? db : s)),
      policyFor,
      catalog,
      wikiDir: config.PRODE_WIKI_DIR,
      notifier,
      ...(delivery
        ? { delivery }
        : {
            deliveryOff: config.delivery
              ? "the GitHub App is not configured (GITHUB_APP_ID, GITHUB_PRIVATE_KEY)"
              : "no coding agent is configured (PRODE_AGENT_COMMAND)",
          }),
    },
    close: async () => {
      cloudwatch?.close();
      await replica?.close();
    },
  };
}

/**
 * Delivery's ports: per repository, a write-capable GitHub port and a read-only reader,
 * all over the pipeline's one installation client (its token minted and renewed by
 * @octokit/app, never written anywhere); the catalog maps services and teams to
 * repositories.
 */
function deliveryDeps(
  config: NonNullable<Config["delivery"]>,
  open: () => Promise<Octokit>,
  catalog: ServiceCatalog,
  onRetry: RetryObserver,
): DeliveryDeps {
  const split = (repository: string) => repository.split("/") as [string, string];
  const writers = new Map<string, DeliveryGitHub>();
  const readers = new Map<string, GitHubReader>();
  const services = Object.values(catalog.services);
  // Only a service that declares its repository gets a change: GITHUB_REPOSITORY is where
  // the release specialist reads, not a place to push a fix for an unknown service.
  const repositoryFor = (service: string | undefined) =>
    service ? catalog.services[service]?.repository : undefined;
  return {
    github(repository) {
      let writer = writers.get(repository);
      if (!writer) {
        const [owner, repo] = split(repository);
        writer = lazyDeliveryGitHub(open, owner, repo, onRetry);
        writers.set(repository, writer);
      }
      return writer;
    },
    reader(repository) {
      let reader = readers.get(repository);
      if (!reader) {
        const [owner, repo] = split(repository);
        reader = lazyGitHubReader(open, owner, repo, onRetry);
        readers.set(repository, reader);
      }
      return reader;
    },
    repositoryFor,
    repositoriesOfTeam(team, service) {
      const mine = services.filter((s) => team && s.team === team).map((s) => s.repository);
      return [...new Set([...mine, repositoryFor(service)].filter((r): r is string => !!r))];
    },
    agentCommand: config.PRODE_AGENT_COMMAND,
    ...(config.PRODE_AGENT_VERSION ? { agentVersion: config.PRODE_AGENT_VERSION } : {}),
    ...(config.PRODE_REVIEWER_COMMAND ? { reviewerCommand: config.PRODE_REVIEWER_COMMAND } : {}),
    worktreeDir: config.PRODE_WORKTREE_DIR,
    skill: () => readFile(config.PRODE_SKILL_FILE, "utf8").catch(() => ""),
    dryRun: config.PRODE_DRY_RUN,
  };
}

/** The write-capable port, its installation client created on first use. */
function lazyDeliveryGitHub(
  open: () => Promise<Octokit>,
  owner: string,
  repo: string,
  onRetry: RetryObserver,
): DeliveryGitHub {
  const get = untilFailure(async () =>
    createDeliveryGitHub({ octokit: await open(), owner, repo, timeoutMs: 30_000, onRetry }),
  );
  return {
    fullName: `${owner}/${repo}`,
    defaultBranch: async () => (await get()).defaultBranch(),
    readTree: async (sha, caps) => (await get()).readTree(sha, caps),
    branchHead: async (branch) => (await get()).branchHead(branch),
    pushCommit: async (input) => (await get()).pushCommit(input),
    findPullByHead: async (branch) => (await get()).findPullByHead(branch),
    createDraftPull: async (input) => (await get()).createDraftPull(input),
    addLabels: async (n, labels) => (await get()).addLabels(n, labels),
    countOpenPulls: async (label) => (await get()).countOpenPulls(label),
  };
}
