import { z } from "zod";
import type { VendorSource, VendorStatus, VendorStatusReader } from "../../../specialists/tools.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { parseRetryAfter, type RetryObserver, withRetry } from "../retry.ts";

/**
 * Vendor status over Atlassian Statuspage's public v2 API: `GET {page}/api/v2/summary.json`
 * gives the overall indicator, components and incidents in one call
 * (https://metastatuspage.com/api#summary). Each configured vendor maps to its page's base
 * URL. Only names, statuses, impacts and times leave the adapter: incident bodies and
 * update texts are vendor payloads and are dropped here.
 */
export interface VendorStatusReaderOptions {
  /** Vendor key → status page base URL, e.g. `{ github: "https://www.githubstatus.com" }`. */
  sources: Record<string, string>;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout. Default 5 000 ms. */
  timeoutMs?: number;
  /** How evidence implicates each vendor (config PRODE_VENDOR_MATCH); by name when absent. */
  match?: Record<
    string,
    Partial<Pick<VendorSource, "hosts" | "errorTypes" | "requestIds" | "kind">>
  >;
  /** The cloud region we run in (AWS_REGION), for cloud status sources. */
  region?: string;
  /** Told about each retry and give-up; rate limits are waited out within the caller's budget. */
  onRetry?: RetryObserver;
}

const component = z.looseObject({ name: z.string(), status: z.string().optional() });

const summarySchema = z.looseObject({
  page: z.looseObject({ name: z.string().optional(), url: z.string().optional() }).optional(),
  status: z.looseObject({ indicator: z.string(), description: z.string().default("") }),
  components: z.array(component).default([]),
  incidents: z
    .array(
      z.looseObject({
        name: z.string(),
        status: z.string(),
        impact: z.string().default("none"),
        created_at: z.string().optional(),
        started_at: z.string().nullish(),
        components: z.array(component).default([]),
      }),
    )
    .default([]),
});

function summaryUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith(".json") ? trimmed : `${trimmed}/api/v2/summary.json`;
}

function httpError(vendor: string, status: number, headers: Headers): AppError {
  const message = `status page of ${vendor} answered HTTP ${status}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers.get("retry-after"), Date.now());
    return new AppError(ErrorCode.UpstreamRateLimited, message, {
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500)
    return new AppError(ErrorCode.UpstreamUnavailable, message, { retryable: true });
  // The configured URL serves no status page.
  if (status === 404) return new AppError(ErrorCode.NotFound, message);
  return new AppError(ErrorCode.UpstreamRejected, message);
}

/** Maps a parsed summary to the specialists' shape (exported for unit tests). */
export function toVendorStatus(
  vendor: string,
  summary: z.infer<typeof summarySchema>,
  sourceUrl: string,
): VendorStatus {
  return {
    vendor,
    indicator: summary.status.indicator,
    description: summary.status.description,
    incidents: summary.incidents.map((incident) => ({
      name: incident.name,
      status: incident.status,
      impact: incident.impact,
      startedAt: incident.started_at ?? incident.created_at ?? "",
      components: incident.components.map((c) => c.name),
    })),
    sourceUrl,
  };
}

export function createVendorStatusReader(options: VendorStatusReaderOptions): VendorStatusReader {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const sources = new Map(
    Object.entries(options.sources).map(([vendor, url]) => [vendor.toLowerCase(), url]),
  );

  const described: VendorSource[] = [...sources.keys()].map((vendor) => {
    const m = options.match?.[vendor] ?? {};
    const kind = m.kind ?? "vendor";
    return {
      vendor,
      kind,
      hosts: m.hosts ?? [],
      errorTypes: m.errorTypes ?? [],
      requestIds: m.requestIds ?? [],
      ...(kind === "cloud" && options.region ? { region: options.region } : {}),
    };
  });

  return {
    sources: () => described.map((d) => ({ ...d })),
    getStatus: (vendor) =>
      withRetry(() => getOnce(vendor), {
        service: "vendor_status",
        what: `status of ${vendor.toLowerCase()}`,
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      }),
  };

  async function getOnce(vendor: string): Promise<VendorStatus> {
    const key = vendor.toLowerCase();
    const base = sources.get(key);
    if (!base) {
      throw new AppError(
        ErrorCode.BadInput,
        `no status source is configured for vendor '${vendor}' (configured: ${[...sources.keys()].join(", ") || "none"})`,
      );
    }
    const url = summaryUrl(base);
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw new AppError(
          ErrorCode.Timeout,
          `status page of ${key} did not answer within ${timeoutMs} ms`,
          { cause: error, retryable: true },
        );
      }
      throw new AppError(ErrorCode.UpstreamUnavailable, `status page of ${key} unreachable`, {
        cause: error,
        retryable: true,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw httpError(key, response.status, response.headers);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new AppError(ErrorCode.UpstreamRejected, `status page of ${key} is not JSON`, {
        cause: error,
      });
    }
    const parsed = summarySchema.safeParse(body);
    if (!parsed.success) {
      throw new AppError(
        ErrorCode.UpstreamRejected,
        `status page of ${key} is not a Statuspage v2 summary: ${z.prettifyError(parsed.error)}`,
      );
    }
    return toVendorStatus(key, parsed.data, url);
  }
}
