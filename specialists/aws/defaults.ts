import type { ServiceCatalog } from "./targets.ts";

/**
 * The built-in service catalog is empty: which AWS resources a service has comes from
 * the ticket, from the service catalog in policy (`ticket.awsResources`), and from what
 * CloudWatch ListMetrics shows named after the service. A deployment without a catalog
 * in policy may still pass one to `createAwsSpecialist({ services })`.
 */
export const DEFAULT_SERVICE_CATALOG: ServiceCatalog = {};

/** Queue-age alarm threshold when neither the ticket, an alarm, a recipe nor the catalog states one. */
export const DEFAULT_QUEUE_AGE_THRESHOLD_SECONDS = 300;
