import type { Resource } from "./resources.ts";
import { groupOf } from "./scan.ts";

/**
 * How a service's resources relate to the account's others by name, for the reads that
 * go beyond what the ticket and the catalog declare: its dependencies and a queue's
 * consumers.
 */

/** Kinds a service depends on, found by name beside it when nothing declares them. */
const DEPENDENCY_KINDS = new Set(["rds", "cache", "queue"]);

/**
 * The service's databases, caches and queues named like it but not after it
 * (`<word>-prod-db` beside `<word>-api`): resources of a dependency kind the service has
 * none of yet whose name begins with the same word as the service's or one of its
 * load balancers, functions or ECS services. A dependency that is not read cannot be
 * seen saturating.
 */
export function siblingDependencies(
  resources: Resource[],
  service: string | undefined,
  account: Resource[],
): Resource[] {
  const own = resources.filter((r) => !DEPENDENCY_KINDS.has(r.kind));
  const words = new Set(own.map(groupOf));
  if (service)
    words.add(
      groupOf({ kind: "ecs", id: service, dims: { ServiceName: service }, origin: "declared" }),
    );
  const have = new Set(resources.map((r) => r.kind));
  return account.filter(
    (r) => DEPENDENCY_KINDS.has(r.kind) && !have.has(r.kind) && words.has(groupOf(r)),
  );
}

const COMPUTE_KINDS = new Set(["ecs", "ecs_service", "function"]);

/**
 * A queue's consumers when nothing names the service: the ECS services and functions
 * named like the queue (`<word>-worker` beside `<word>-jobs`). Their tasks and logs say
 * whether messages wait for capacity or fail.
 */
export function queueConsumers(resources: Resource[], account: Resource[]): Resource[] {
  if (resources.some((r) => COMPUTE_KINDS.has(r.kind))) return [];
  const words = new Set(resources.filter((r) => r.kind === "queue").map(groupOf));
  return account.filter((r) => COMPUTE_KINDS.has(r.kind) && words.has(groupOf(r)));
}

/** The service a run's compute resources name: an ECS service's or a function's name. */
export function computeService(resources: Resource[]): string | undefined {
  const r = resources.find((x) => COMPUTE_KINDS.has(x.kind));
  return r?.dims.ServiceName ?? r?.dims.FunctionName;
}

/**
 * Everything read beside the resources a run starts from: a queue's consumers when
 * nothing names the service, then the dependencies named like any of them. Consumers
 * come first because a failing consumer waits on its own database or cache, named after
 * the consumer, not after the queue it drains.
 */
export function relatedResources(
  resources: Resource[],
  service: string | undefined,
  account: Resource[],
): Resource[] {
  const consumers = service ? [] : queueConsumers(resources, account);
  const withConsumers = [...resources, ...consumers];
  return [...consumers, ...siblingDependencies(withConsumers, service, account)];
}

/**
 * The account's buckets the service's own error lines name (their `bucket` field): the
 * calls that failed went to them, which no resource name says. Only a bucket CloudWatch
 * lists is returned, so a log line cannot make prode read what the account lacks.
 */
export function bucketsNamedIn(named: readonly string[], account: Resource[]): Resource[] {
  const names = new Set(named);
  return account.filter((r) => r.kind === "bucket" && names.has(r.dims.BucketName!));
}
