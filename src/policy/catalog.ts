import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { type DbCheck, validateChecks } from "../../specialists/db/checks.ts";
import { compilePattern } from "../../specialists/db/patterns.ts";
import type { AwsResources } from "../../specialists/types.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { type DataCheckFields, parsePolicyFile, type ServiceCatalogFields } from "./file-schema.ts";

/**
 * The service catalog: what policy/services/<service>.yaml declares about each service
 * (team, repository, Sentry projects, Linear teams/projects/labels, AWS resources), read
 * once when the pipeline is wired. It routes evidence to a service's own resources; a
 * service without a file is still resolved from the Sentry project or Linear (scope.ts)
 * and gets the default policy. Teams are the names of policy/teams/<team>.yaml. A service
 * may also declare the db specialist's data checks (`data_checks:`): its tables, ids and
 * symptom words, which run only on that service's runs.
 */

export interface CatalogService {
  name: string;
  team: string;
  repository?: string;
  sentryProjects: string[];
  linear: { teams: string[]; projects: string[]; labels: string[] };
  aws: AwsResources;
  /** Availability zones the service runs in, when declared. */
  zones: string[];
  /** The db specialist's checks this service declares (`data_checks:`), compiled. */
  dataChecks: DbCheck[];
}

export interface ServiceCatalog {
  services: Record<string, CatalogService>;
  /** Teams with a policy file. */
  teams: string[];
}

export const EMPTY_CATALOG: ServiceCatalog = { services: {}, teams: [] };

const yamlNames = async (dir: string) =>
  (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort();

function awsOf(aws: ServiceCatalogFields["aws"]): AwsResources {
  if (!aws) return {};
  const out: AwsResources = {};
  if (aws.load_balancer) out.loadBalancer = aws.load_balancer;
  if (aws.target_groups?.length) out.targetGroups = aws.target_groups;
  if (aws.cluster) out.cluster = aws.cluster;
  if (aws.ecs_service) out.ecsService = aws.ecs_service;
  if (aws.queues?.length) {
    out.queues = aws.queues.map((q) => ({
      name: q.name,
      ...(q.threshold_seconds ? { thresholdSeconds: q.threshold_seconds } : {}),
      ...(q.dead_letter_queue ? { deadLetterQueue: q.dead_letter_queue } : {}),
    }));
  }
  if (aws.databases?.length) {
    out.databases = aws.databases.map((d) => ({
      identifier: d.identifier,
      ...(d.max_connections ? { maxConnections: d.max_connections } : {}),
    }));
  }
  if (aws.caches?.length) out.caches = aws.caches;
  if (aws.functions?.length) out.functions = aws.functions;
  if (aws.log_groups?.length) out.logGroups = aws.log_groups;
  if (aws.event_log_groups?.length) out.eventLogGroups = aws.event_log_groups;
  return out;
}

function dataCheckOf(service: string, c: DataCheckFields): DbCheck {
  const symptoms = c.symptoms.map((p) => compilePattern(p, "symptom"));
  switch (c.kind) {
    case "derived_counter":
      return {
        kind: c.kind,
        id: c.id,
        service,
        table: c.table,
        key: c.key,
        counter: c.counter,
        source: {
          table: c.source.table,
          key: c.source.key,
          ...(c.source.where ? { where: c.source.where } : {}),
          ...(c.source.changed_column ? { changedColumn: c.source.changed_column } : {}),
        },
        subject: c.subject,
        ...(c.entity ? { entity: compilePattern(c.entity, "entity") } : {}),
        symptoms,
      };
    case "null_precondition":
      return {
        kind: c.kind,
        id: c.id,
        service,
        table: c.table,
        column: c.column,
        createdColumn: c.created_column,
        lookbackHours: c.lookback_hours,
        symptoms,
      };
    case "aggregate":
      return { kind: c.kind, id: c.id, service, sql: c.sql, describes: c.describes, symptoms };
    default: {
      const never: never = c;
      throw new Error(`unknown data check ${JSON.stringify(never)}`);
    }
  }
}

/** A service's declared data checks, compiled and checked; refused naming the file. */
function dataChecksOf(service: string, declared: DataCheckFields[], source: string): DbCheck[] {
  try {
    return validateChecks(declared.map((c) => dataCheckOf(service, c)));
  } catch (error) {
    throw new AppError(
      ErrorCode.PolicyInvalid,
      `${source}: data_checks: ${(error as Error).message}`,
    );
  }
}

/** Every service's declared data checks, for the db specialist (src/compose). */
export function catalogDataChecks(catalog: ServiceCatalog): DbCheck[] {
  return Object.values(catalog.services).flatMap((s) => s.dataChecks);
}

/** One service file's catalog entry (exported for tests). */
export function catalogEntry(name: string, doc: unknown, source = name): CatalogService {
  const file = parsePolicyFile(source, "service", doc) as ServiceCatalogFields & { team: string };
  return {
    name,
    team: file.team,
    ...(file.repository ? { repository: file.repository } : {}),
    sentryProjects: file.sentry_projects ?? [],
    linear: {
      teams: file.linear?.teams ?? [],
      projects: file.linear?.projects ?? [],
      labels: file.linear?.labels ?? [],
    },
    aws: awsOf(file.aws),
    zones: file.aws?.zones ?? [],
    dataChecks: dataChecksOf(name, file.data_checks ?? [], source),
  };
}

/**
 * Reads the catalog from a policy directory. A file that does not parse is left out here
 * (the policy check and the policy load refuse it with the reason); the others still route.
 */
export async function loadServiceCatalog(policyDir: string): Promise<ServiceCatalog> {
  const servicesDir = join(policyDir, "services");
  const services: Record<string, CatalogService> = {};
  for (const file of await yamlNames(servicesDir)) {
    const name = file.replace(/\.ya?ml$/, "");
    try {
      const doc = parse(await readFile(join(servicesDir, file), "utf8")) as unknown;
      services[name] = catalogEntry(name, doc, join(servicesDir, file));
    } catch {
      // Refused by `prode policy check` and by loadPolicy with the reason.
    }
  }
  const teams = (await yamlNames(join(policyDir, "teams"))).map((f) => f.replace(/\.ya?ml$/, ""));
  return { services, teams };
}

/**
 * The resources that identify one service: its own load balancer, target groups, queues,
 * databases, caches, functions and log groups (a cluster is often shared, so it is not).
 */
function resourcesOf(service: CatalogService): string[] {
  const a = service.aws;
  return [
    a.loadBalancer,
    ...(a.targetGroups ?? []),
    ...(a.queues ?? []).flatMap((q) => [q.name, q.deadLetterQueue]),
    ...(a.databases ?? []).map((d) => d.identifier),
    ...(a.caches ?? []),
    ...(a.functions ?? []),
    ...(a.logGroups ?? []),
  ].filter((r): r is string => typeof r === "string" && r.length > 0);
}

/** Whether `text` names `resource` as a whole token (a queue URL's last segment, an ARN part). */
export function namesResource(text: string, resource: string): boolean {
  const escaped = resource.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.-])${escaped}($|[^\\w.-])`).test(text.toLowerCase());
}

/** The catalog's service whose declared resources `ref` names (a log group, queue URL, ARN…). */
export function serviceOwning(catalog: ServiceCatalog, ref: string): CatalogService | undefined {
  return Object.values(catalog.services).find((s) =>
    resourcesOf(s).some((r) => namesResource(ref, r)),
  );
}

/** Every resource the catalog assigns to a service other than `service`. */
export function resourcesOfOthers(catalog: ServiceCatalog, service: string | undefined): string[] {
  return Object.values(catalog.services)
    .filter((s) => s.name !== service)
    .flatMap(resourcesOf);
}
