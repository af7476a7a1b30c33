import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../../sim/demo/run-scenario.ts";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { createTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * OpenTelemetry through the production wiring (issue 16): with
 * OTEL_EXPORTER_OTLP_ENDPOINT set, a scenario's run exports a span per phase step, per
 * provider call (Linear, Slack, AWS, Sentry/GitHub through the adapters' retry) and per
 * webhook, to an OTLP/HTTP collector (here a capture server). No span carries a secret.
 */

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  name: string;
  attributes?: OtlpAttribute[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

const bodies: string[] = [];
let collector: Server;
let endpoint = "";

function spansOf(): { spans: OtlpSpan[]; resources: OtlpAttribute[][] } {
  const spans: OtlpSpan[] = [];
  const resources: OtlpAttribute[][] = [];
  for (const body of bodies) {
    const parsed = JSON.parse(body) as OtlpExport;
    for (const rs of parsed.resourceSpans) {
      resources.push(rs.resource?.attributes ?? []);
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, resources };
}

describe("traces of a run", () => {
  let outcome = "";
  let secrets: string[] = [];
  let metrics = "";

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        if (req.url === "/v1/traces") bodies.push(body);
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

    const t = await createTestDb();
    const prefix = testQueuePrefix();
    let result: Awaited<ReturnType<typeof startHarness>> | undefined;
    try {
      result = await startHarness({
        scenario: "queue-alarm-infra",
        ...harnessOpts(t, prefix),
        replicaAdminUrl: TEST_ADMIN_URL,
        timeoutMs: 45_000,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      });
      const accepted = await result.trigger();
      outcome = (await result.follow(accepted.runId ?? "")).outcome ?? "";
      // A forged webhook, then the scrape: the cluster's state and this process's counters.
      await fetch(`${result.url}/webhooks/linear`, {
        method: "POST",
        headers: { "content-type": "application/json", "linear-signature": "00" },
        body: "{}",
      });
      metrics = await (await fetch(`${result.url}/metrics`)).text();
      // Every credential the world hands prode: none may reach a span.
      secrets = Object.entries(worldEnv(result.world))
        .filter(([name]) => /TOKEN|SECRET|KEY|PASSWORD/.test(name))
        .map(([, value]) => value)
        .filter((value) => value.length >= 8);
    } finally {
      // close() flushes the batch of spans to the collector.
      await result?.close();
      await dropQueuePrefix(prefix);
      await t.drop();
    }
  }, 90_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  });

  it("exports a span per phase, per provider call and per webhook, named without data", () => {
    expect(outcome).not.toBe("");
    const { spans, resources } = spansOf();
    const names = new Set(spans.map((s) => s.name));
    for (const phase of ["FETCH_LINEAR", "ROUTE_SPECIALISTS", "WAIT_FOR_EVIDENCE", "CLASSIFY"]) {
      expect(names, `phase ${phase}`).toContain(`phase ${phase}`);
    }
    expect(names).toContain("HTTP POST /webhooks/linear");
    expect([...names].some((n) => n.startsWith("slack chat.postMessage"))).toBe(true);
    expect([...names].some((n) => n.startsWith("aws CloudWatch"))).toBe(true);
    expect([...names].some((n) => n.startsWith("linear "))).toBe(true);
    const phaseSpan = spans.find((s) => s.name === "phase CLASSIFY");
    const attributes = new Map(phaseSpan?.attributes?.map((a) => [a.key, a.value]));
    expect(attributes.get("prode.run_id")).toBeDefined();
    expect(
      resources.some((r) =>
        r.some((a) => a.key === "service.name" && a.value.stringValue === "prode"),
      ),
    ).toBe(true);
  });

  it("/metrics shows the cluster's runs, queue and approvals, provider calls and refusals", () => {
    const value = (line: RegExp) => Number(line.exec(metrics)?.[1] ?? Number.NaN);
    expect(value(new RegExp(`^prode_runs_ended_24h\\{outcome="${outcome}"\\} (\\d+)$`, "m"))).toBe(
      1,
    );
    expect(value(/^prode_queue_jobs\{state="waiting"\} (\d+)$/m)).toBe(0);
    expect(value(/^prode_queue_oldest_waiting_seconds (\S+)$/m)).toBe(0);
    expect(value(/^prode_effects_pending (\d+)$/m)).toBe(0);
    expect(
      value(/^prode_provider_calls_total\{provider="slack",outcome="ok",code=""\} (\d+)$/m),
    ).toBeGreaterThan(0);
    expect(
      value(/^prode_provider_calls_total\{provider="aws",outcome="ok",code=""\} (\d+)$/m),
    ).toBeGreaterThan(0);
    expect(metrics).toMatch(
      /^prode_http_rejects_total\{route="\/webhooks\/linear",reason="[a-z -]+"\} 1$/m,
    );
  });

  it("carries no secret the world handed prode", () => {
    expect(secrets.length).toBeGreaterThan(0);
    const all = bodies.join("\n");
    for (const secret of secrets) expect(all.includes(secret)).toBe(false);
  });
});
