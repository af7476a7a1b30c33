/**
 * AWS services the service's own error lines name by their regional endpoint
 * (`<service>.<region>.amazonaws.com`, a bucket's host included): services it calls, so
 * an AWS Health issue for one of them in that region is on what the service runs on even
 * when prode reads no metric of it (a key store, a secrets store, a managed API).
 */
const ENDPOINT = /((?:[a-z0-9-]+\.)+)([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com/gi;

/** An AWS service an error line calls, as AWS Health names it, and the region it called. */
export interface CalledEndpoint {
  code: string;
  region: string;
}

/**
 * AWS Health service codes an endpoint may name (the codes Health's DescribeEvents
 * reports for these services). A label outside this list (a bucket, a subdomain) names
 * no service, so it never becomes a code.
 */
const HEALTH_CODES = new Set([
  "APIGATEWAY",
  "CLOUDWATCH",
  "DYNAMODB",
  "EC2",
  "ECR",
  "ECS",
  "ELASTICACHE",
  "ELASTICLOADBALANCING",
  "EVENTS",
  "KINESIS",
  "KMS",
  "LAMBDA",
  "RDS",
  "S3",
  "SAGEMAKER",
  "SECRETSMANAGER",
  "SES",
  "SNS",
  "SQS",
  "SSM",
  "STATES",
  "STS",
]);

/** Endpoint labels whose AWS Health service code is not the label upper-cased. */
const HEALTH_CODE: Record<string, string> = {
  "execute-api": "APIGATEWAY",
  monitoring: "CLOUDWATCH",
  logs: "CLOUDWATCH",
  email: "SES",
  "s3-website": "S3",
  elasticloadbalancing: "ELASTICLOADBALANCING",
};

/**
 * Labels AWS puts between a service's label and the region for another way into the same
 * service (`<bucket>.s3.dualstack.<region>`): skipped to reach the service's label.
 */
const ENDPOINT_VARIANTS = new Set(["dualstack", "fips"]);

/** The service's Health code from the labels before the region, when one names it. */
function codeOf(labels: string[]): string | undefined {
  let n = labels.length - 1;
  if (n > 0 && ENDPOINT_VARIANTS.has(labels[n]!)) n -= 1;
  const label = labels[n];
  if (label === undefined) return undefined;
  const code = HEALTH_CODE[label] ?? label.toUpperCase();
  return HEALTH_CODES.has(code) ? code : undefined;
}

/** The AWS services (Health code and region) of the endpoints named in `texts`, sorted. */
export function healthEndpointsNamed(texts: Iterable<string>): CalledEndpoint[] {
  const out = new Map<string, CalledEndpoint>();
  for (const text of texts) {
    for (const m of text.matchAll(ENDPOINT)) {
      const labels = m[1]!.toLowerCase().split(".").filter(Boolean);
      const code = codeOf(labels);
      const region = m[2]!.toLowerCase();
      if (code !== undefined) out.set(`${code} ${region}`, { code, region });
    }
  }
  return [...out.values()].sort(
    (a, b) => a.code.localeCompare(b.code) || a.region.localeCompare(b.region),
  );
}

/** The Health codes of `called` endpoints in `region`: those a Health event there concerns. */
export function calledIn(called: readonly CalledEndpoint[], region: string): string[] {
  return called.filter((c) => c.region === region).map((c) => c.code);
}
