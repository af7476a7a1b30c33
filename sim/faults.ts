import { z } from "zod";
import {
  type FaultAnswer,
  SIM_SERVICE_NAMES,
  type SimRequest,
  type SimResponse,
  type SimServiceName,
} from "./types.ts";

/**
 * Faults the world injects in front of a service: added latency, a provider-shaped rate
 * limit, a 5xx, or a timeout (the request is held unanswered until the client gives up or
 * the world closes). They are declared in a scenario file or injected at runtime, and
 * match per service and optionally per method (exact, or a glob with `*`).
 *
 * Latency is added *before* the service handles the call: a client that gives up first
 * sees a timeout, yet the call still takes effect when the latency has passed (a slow
 * success: the post lands after the client stopped waiting). `forMs` bounds a fault in
 * time, for storms ("429s for 30 s from now").
 */
export const faultSpecSchema = z
  .object({
    service: z.enum(SIM_SERVICE_NAMES),
    /** Operation name ("chat.postMessage", "commentCreate") or glob ("GET /api/0/*"). */
    method: z.string().min(1).optional(),
    kind: z.enum(["latency", "rate_limit", "error", "timeout"]),
    latencyMs: z.number().int().nonnegative().optional(),
    retryAfterSec: z.number().int().nonnegative().optional(),
    status: z.number().int().min(500).max(599).optional(),
    /** Let this many matching calls through untouched first ("fails after the first call"). */
    after: z.number().int().nonnegative().optional(),
    /** Apply to this many matching calls, then stop; unlimited when absent. */
    count: z.number().int().positive().optional(),
    /** Chance in [0, 1] that a matching call is hit; drawn from the world's seeded RNG. */
    probability: z.number().min(0).max(1).optional(),
    /** Active for this long after it is added (the world's start, for a scenario's); then spent. */
    forMs: z.number().int().positive().optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof faultSpecSchema>;

interface ActiveFault {
  spec: FaultSpec;
  /** `spec.method`, compiled once when the fault is added. */
  matches: (names: readonly string[]) => boolean;
  matched: number;
  applied: number;
  /** When it was added (the plan's clock), for `forMs`. */
  addedAt: number;
}

/** The faults that hit one call: latency to add first, then at most one terminal fault. */
interface FaultDecision {
  latencyMs: number;
  terminal?: FaultSpec;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/**
 * A method pattern compiled once: whether it names a call, by any of the call's names
 * (operation name or raw route). No pattern names every call.
 */
export function globMatcher(pattern: string | undefined): (names: readonly string[]) => boolean {
  if (pattern === undefined) return () => true;
  const re = globToRegExp(pattern);
  return (names) => names.some((n) => re.test(n));
}

/** mulberry32: a small seeded PRNG, so probabilistic faults replay identically. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  readonly #faults: ActiveFault[] = [];
  readonly #random: () => number;
  readonly #now: () => number;

  /** `now`: the clock `forMs` is measured by (real time unless a test gives its own). */
  constructor(seed = 1, now: () => number = Date.now) {
    this.#random = seededRandom(seed);
    this.#now = now;
  }

  add(spec: FaultSpec): void {
    const parsed = faultSpecSchema.parse(spec);
    this.#faults.push({
      spec: parsed,
      matches: globMatcher(parsed.method),
      matched: 0,
      applied: 0,
      addedAt: this.#now(),
    });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Decides (and counts) which faults hit a call to `service` named by `names`. */
  decide(service: SimServiceName, names: readonly string[]): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const fault of this.#faults) {
      const { spec } = fault;
      if (spec.service !== service || !fault.matches(names)) continue;
      if (spec.forMs !== undefined && this.#now() - fault.addedAt >= spec.forMs) continue;
      fault.matched += 1;
      if (spec.after !== undefined && fault.matched <= spec.after) continue;
      if (spec.count !== undefined && fault.applied >= spec.count) continue;
      if (spec.probability !== undefined && this.#random() >= spec.probability) continue;
      if (spec.kind === "latency") {
        fault.applied += 1;
        decision.latencyMs += spec.latencyMs ?? 1000;
      } else if (!decision.terminal) {
        fault.applied += 1;
        decision.terminal = spec;
      }
    }
    return decision;
  }
}

const GITHUB_RATE_DOC =
  "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

function awsUsesJson(req: SimRequest): boolean {
  const type = String(req.headers["content-type"] ?? "");
  return type.includes("amz-json") || req.headers["x-amz-target"] !== undefined;
}

/**
 * Each provider's documented answer to a rate limit or an outage, used when the service
 * does not shape its own (SimServiceInstance.faultResponse).
 */
export function defaultFaultResponse(
  service: SimServiceName,
  answer: FaultAnswer,
  req: SimRequest,
  nowMs: number,
): SimResponse {
  const limited = answer.kind === "rate_limit";
  const retryAfter = limited ? String(answer.retryAfterSec) : "";
  const status = limited ? 429 : answer.status;
  switch (service) {
    case "slack":
      // https://api.slack.com/apis/rate-limits: HTTP 429 + Retry-After, error "ratelimited".
      return limited
        ? {
            status,
            headers: { "retry-after": retryAfter },
            body: { ok: false, error: "ratelimited" },
          }
        : { status, body: { ok: false, error: "internal_error" } };
    case "linear":
      // Linear answers rate limits as a GraphQL error with code RATELIMITED (HTTP 400) and
      // X-RateLimit-* headers; the SDK maps extensions.type "ratelimited" to RatelimitedLinearError.
      return limited
        ? {
            status: 400,
            headers: {
              "retry-after": retryAfter,
              "x-ratelimit-requests-remaining": "0",
              "x-ratelimit-requests-reset": String(nowMs + answer.retryAfterSec * 1000),
            },
            body: {
              data: null,
              errors: [
                {
                  message: "Rate limit exceeded",
                  extensions: {
                    code: "RATELIMITED",
                    type: "ratelimited",
                    userError: true,
                    userPresentableMessage: "Rate limit exceeded, please retry later.",
                  },
                },
              ],
            },
          }
        : {
            status,
            body: {
              data: null,
              errors: [
                {
                  message: "Internal server error",
                  extensions: { code: "INTERNAL_SERVER_ERROR", type: "internal error" },
                },
              ],
            },
          };
    case "sentry":
      return limited
        ? {
            status,
            headers: {
              "retry-after": retryAfter,
              "x-sentry-rate-limit-limit": "40",
              "x-sentry-rate-limit-remaining": "0",
              "x-sentry-rate-limit-reset": String(Math.ceil(nowMs / 1000) + answer.retryAfterSec),
              "x-sentry-rate-limit-concurrentlimit": "25",
              "x-sentry-rate-limit-concurrentremaining": "24",
            },
            body: {
              detail:
                "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds",
            },
          }
        : { status, body: { detail: "Internal Error" } };
    case "github":
      return limited
        ? {
            status,
            headers: {
              "retry-after": retryAfter,
              "x-ratelimit-limit": "5000",
              "x-ratelimit-remaining": "0",
              "x-ratelimit-reset": String(Math.ceil(nowMs / 1000) + answer.retryAfterSec),
            },
            body: {
              message:
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
              documentation_url: GITHUB_RATE_DOC,
            },
          }
        : { status, body: { message: "Server Error" } };
    case "aws": {
      // AWS throttles with HTTP 400 and an error code; JSON protocols (CloudWatch, Logs)
      // carry it in __type, the query protocol (STS) in an XML ErrorResponse.
      const code = limited ? "ThrottlingException" : "InternalFailure";
      const httpStatus = limited ? 400 : answer.status;
      const message = limited ? "Rate exceeded" : "An internal error occurred.";
      if (awsUsesJson(req)) {
        return {
          status: httpStatus,
          headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": code },
          body: { __type: code, message },
        };
      }
      const xmlCode = limited ? "Throttling" : "InternalFailure";
      const type = limited ? "Sender" : "Receiver";
      return {
        status: httpStatus,
        headers: { "content-type": "text/xml" },
        body: `<ErrorResponse><Error><Type>${type}</Type><Code>${xmlCode}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>`,
      };
    }
    case "statuspage":
      return limited
        ? { status, headers: { "retry-after": retryAfter }, body: { error: "rate limited" } }
        : { status, body: { error: "Service Unavailable" } };
  }
}
