import type { ServiceCatalog } from "./targets.ts";

/**
 * The built-in service catalog: the AWS resources of the services in prode's simulated
 * Acme world, which `npm run demo` and the end-to-end tests triage. CloudWatch cannot be
 * asked "which load balancer serves onboarding-api" through the read port, so a real
 * deployment passes its own catalog to `createAwsSpecialist({ services })` (from its
 * config or its wiki service pages); anything the ticket or a wiki recipe names wins over
 * these entries (targets.ts).
 */
export const DEFAULT_SERVICE_CATALOG: ServiceCatalog = {
  "onboarding-api": {
    loadBalancer: "app/onboarding-api-prod/7f3c2a1b9d8e6f40",
    cluster: "prod-api",
  },
  "mobile-bff": { loadBalancer: "app/mobile-bff-prod/5a7c9e1b3d5f7a9c" },
  "workspace-api": { loadBalancer: "app/workspace-api-prod/2b4d6f8a0c1e3a5c" },
  "notifications-worker": {
    cluster: "prod-workers",
    queues: [{ name: "notifications-email", thresholdSeconds: 900 }],
    eventLogGroups: ["/aws/events/ecs/prod-workers", "/aws/autoscaling/prod-workers"],
  },
};

/** Queue-age alarm threshold when neither the ticket, a recipe nor the catalog states one. */
export const DEFAULT_QUEUE_AGE_THRESHOLD_SECONDS = 300;
