/**
 * AWS services the service's own error lines name by their regional endpoint
 * (`kms.eu-west-2.amazonaws.com`, `<bucket>.s3.us-east-1.amazonaws.com`): services it
 * calls, so an AWS Health issue for one of them is on what the service runs on even when
 * prode reads no metric of it (a key store, a secrets store, a managed API).
 */
const ENDPOINT = /([a-z0-9-]+)\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com/gi;

/** Endpoint prefixes whose AWS Health service code is not the prefix upper-cased. */
const HEALTH_CODE: Record<string, string> = {
  "execute-api": "APIGATEWAY",
  monitoring: "CLOUDWATCH",
  logs: "CLOUDWATCH",
  email: "SES",
  "runtime.sagemaker": "SAGEMAKER",
};

/** The AWS Health service codes of the endpoints named in `texts`, sorted. */
export function healthServicesNamed(texts: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(ENDPOINT)) {
      const prefix = m[1]!.toLowerCase();
      out.add(HEALTH_CODE[prefix] ?? prefix.toUpperCase());
    }
  }
  return [...out].sort();
}
