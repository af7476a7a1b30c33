import { createWriteStream, type WriteStream } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { defaultFaultResponse, FaultPlan, type FaultSpec } from "./faults.ts";
import { parseBody, readBody, send } from "./http.ts";
import { findScenario, type Scenario, scenarioServiceData } from "./scenario.ts";
import { awsService } from "./services/aws.ts";
import { githubService } from "./services/github.ts";
import { linearService } from "./services/linear.ts";
import type { LinearState } from "./services/linear-store.ts";
import { sentryService } from "./services/sentry.ts";
import { slackService } from "./services/slack.ts";
import type { SlackState } from "./services/slack-workspace.ts";
import { statuspageService } from "./services/statuspage.ts";
import type {
  RecordedCall,
  SimContext,
  SimRequest,
  SimService,
  SimServiceInstance,
  SimServiceName,
} from "./types.ts";

/**
 * The simulated world: one HTTP server that mounts every simulated provider under its
 * prefix (/slack, /linear, /sentry, /github, /aws, /statuspage), parses JSON and form
 * bodies, records every call, and injects faults (latency, rate limits, 5xx, timeouts)
 * per service and method. Real SDKs are pointed at `world.urls`.
 */

// biome-ignore lint/suspicious/noExplicitAny: each service has its own data type.
export const SIM_SERVICES: SimService<any>[] = [
  slackService,
  linearService,
  sentryService,
  githubService,
  awsService,
  statuspageService,
];

export interface StartWorldOptions {
  /** A loaded scenario, or a shipped scenario's name / a scenario file path. */
  scenario: Scenario | string;
  port?: number;
  host?: string;
  /** Writes every recorded call to this file, one JSON object per line. */
  recordTo?: string;
  /** Append to `recordTo` instead of starting it afresh (several worlds, one record). */
  appendRecord?: boolean;
  /** Seed of the RNG behind probabilistic faults. */
  seed?: number;
  /** The world clock; defaults to the scenario's `now`, advancing in real time. */
  clock?: () => Date;
}

export interface CallFilter {
  service?: RecordedCall["service"];
  method?: string;
}

export interface WorldState {
  slack: SlackState;
  linear: LinearState;
  sentry?: unknown;
  github?: unknown;
  aws?: unknown;
  statuspage?: unknown;
}

export interface World {
  /** Base URL of the server, e.g. "http://127.0.0.1:43121". */
  url: string;
  /** What each SDK is given: WebClient `slackApiUrl`, LinearClient `apiUrl`, base URLs. */
  urls: Record<SimServiceName, string>;
  scenario: Scenario;
  /** The world clock. */
  now(): Date;
  calls(filter?: CallFilter | ((call: RecordedCall) => boolean)): RecordedCall[];
  clearCalls(): void;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  state: WorldState;
  /**
   * Serves requests under `prefix` (e.g. "/ui", the workspace page) with a raw handler,
   * outside the providers' mounts: not recorded, no faults, the body left unread.
   */
  attach(prefix: string, handler: RawHandler): void;
  close(): Promise<void>;
}

/** A handler of the world's HTTP server that writes its own response (pages, SSE). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startWorld(options: StartWorldOptions): Promise<World> {
  const scenario =
    typeof options.scenario === "string" ? await findScenario(options.scenario) : options.scenario;
  const startedAt = Date.now();
  const epoch = new Date(scenario.now).getTime();
  const now = options.clock ?? (() => new Date(epoch + (Date.now() - startedAt)));
  const faults = new FaultPlan(options.seed ?? 1);
  for (const f of scenario.faults) faults.add(f);

  const recorded: RecordedCall[] = [];
  let recorder: WriteStream | undefined;
  if (options.recordTo)
    recorder = createWriteStream(options.recordTo, { flags: options.appendRecord ? "a" : "w" });
  const record = (call: RecordedCall) => {
    if (call.body === undefined) call.body = null;
    recorded.push(call);
    recorder?.write(`${JSON.stringify(call)}\n`);
  };

  const ctx: SimContext = { now, baseUrl: "" };
  const data = scenarioServiceData(scenario);
  const instances = new Map<SimServiceName, SimServiceInstance>();
  for (const service of SIM_SERVICES) {
    const slice = data[service.name];
    // A service absent from the scenario is not mounted: its routes answer 404. Each
    // instance gets its own copy, which it owns and changes as its live state.
    if (slice !== undefined)
      instances.set(service.name, service.create(structuredClone(slice), ctx));
  }
  const mounts = SIM_SERVICES.map((s) => ({ service: s, prefix: s.mount }));
  /** Requests held by a timeout fault, with what records their end. */
  const held = new Map<ServerResponse, () => void>();
  const attached: { prefix: string; handler: RawHandler }[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const page = attached.find(
      (a) => url.pathname === a.prefix || url.pathname.startsWith(`${a.prefix}/`),
    );
    if (page) return page.handler(req, res);
    const raw = await readBody(req);
    const at = now().toISOString();
    const mount = mounts.find(
      (m) => url.pathname === m.prefix || url.pathname.startsWith(`${m.prefix}/`),
    );
    const simReq: SimRequest = {
      method: req.method ?? "GET",
      path: mount ? url.pathname.slice(mount.prefix.length) || "/" : url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody: raw.toString("utf8"),
      body: parseBody(raw, req.headers["content-type"]),
      rawBytes: raw,
    };
    const route = `${simReq.method} ${simReq.path}`;
    if (!mount) {
      const body = {
        error: "not_found",
        message: `No simulated service is mounted at ${url.pathname}; mounts: ${mounts.map((m) => m.prefix).join(", ")}`,
      };
      record({
        service: "world",
        method: route,
        path: url.pathname,
        body: simReq.body,
        response: body,
        status: 404,
        at,
      });
      send(res, { status: 404, body });
      return;
    }
    const name = mount.service.name as SimServiceName;
    const instance = instances.get(name);
    if (!instance) {
      const body = {
        error: "service_not_configured",
        message: `Scenario ${scenario.name} has no ${name} data, so ${name} is not available`,
      };
      record({
        service: name,
        method: route,
        path: simReq.path,
        body: simReq.body,
        response: body,
        status: 404,
        at,
      });
      send(res, { status: 404, body });
      return;
    }
    const method = instance.identify?.(simReq) ?? route;
    const decision = faults.decide(name, [method, route]);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const base = { service: name, method, path: simReq.path, body: simReq.body, at };
    const terminal = decision.terminal;
    if (terminal?.kind === "timeout") {
      // Hold the request: the client's own timeout (or the world closing) ends it.
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        held.delete(res);
        record({ ...base, response: null, status: 0, fault: "timeout" });
      };
      held.set(res, release);
      res.on("close", release);
      return;
    }
    if (terminal) {
      const answer =
        terminal.kind === "rate_limit"
          ? ({ kind: "rate_limit", retryAfterSec: terminal.retryAfterSec ?? 1 } as const)
          : ({ kind: "error", status: terminal.status ?? 500 } as const);
      const response =
        instance.faultResponse?.(answer, simReq) ??
        defaultFaultResponse(name, answer, simReq, now().getTime());
      record({ ...base, response: response.body, status: response.status, fault: terminal.kind });
      send(res, response);
      return;
    }
    let handled: Awaited<ReturnType<SimServiceInstance["handle"]>>;
    try {
      handled = await instance.handle(simReq);
    } catch (error) {
      const body = {
        error: "sim_internal",
        message: error instanceof Error ? error.message : String(error),
      };
      record({ ...base, response: body, status: 500 });
      send(res, { status: 500, body });
      return;
    }
    record({
      ...base,
      method: handled.method,
      body: handled.recordedBody ?? simReq.body,
      response: handled.body,
      status: handled.status,
      ...(decision.latencyMs > 0 ? { fault: "latency" as const } : {}),
    });
    send(res, handled);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, { status: 500, body: { error: "sim_internal", message: String(error) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const baseUrl = `http://${host}:${address.port}`;
  ctx.baseUrl = baseUrl;

  const urls = Object.fromEntries(
    SIM_SERVICES.map((s) => [s.name, `${baseUrl}${s.mount}${s.sdkPath ?? ""}`]),
  ) as Record<SimServiceName, string>;

  const state = Object.fromEntries(
    [...instances.entries()].map(([name, instance]) => [name, instance.state]),
  ) as unknown as WorldState;

  let closed = false;
  return {
    url: baseUrl,
    urls,
    scenario,
    now,
    state,
    calls(filter) {
      if (!filter) return [...recorded];
      if (typeof filter === "function") return recorded.filter(filter);
      return recorded.filter(
        (c) =>
          (filter.service === undefined || c.service === filter.service) &&
          (filter.method === undefined || c.method === filter.method),
      );
    },
    clearCalls() {
      recorded.length = 0;
    },
    injectFault(spec) {
      faults.add(spec);
    },
    clearFaults() {
      faults.clear();
    },
    attach(prefix, handler) {
      attached.push({ prefix, handler });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const [res, release] of held) {
        release();
        res.destroy();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (recorder) await new Promise<void>((resolve) => recorder?.end(resolve));
    },
  };
}
