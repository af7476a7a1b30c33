import { describe, expect, it } from "vitest";
import type { SentryEventSummary, SentryReader, VendorStatusReader } from "../tools.ts";
import type { SpecialistInput, TicketContext } from "../types.ts";
import vendor from "./index.ts";

const NOW = new Date("2026-11-20T10:00:00Z");
const HOST = "rates.example.org";

const ticket: TicketContext = {
  service: "quotes-api",
  snapshot: {
    ticketKey: "ENG-91",
    title: "Quotes fail for some countries",
    labels: [],
    status: "Triage",
    descriptionExcerpt: "",
    linked: { sentryIssueIds: ["501"], awsRefs: [], requestIds: [] },
    createdAt: "2026-11-20T09:30:00.000Z",
    updatedAt: "2026-11-20T09:40:00.000Z",
    fetchedAt: "2026-11-20T09:50:00.000Z",
  },
  comments: [],
  attachments: [],
};

const failingEvent = (fault: string): SentryEventSummary => ({
  eventId: `e-${fault}`,
  dateCreated: "2026-11-20T09:40:00Z",
  tags: [
    { key: "upstream.host", value: HOST },
    { key: "rates.fault", value: fault },
  ],
  exception: { type: "RatesServiceError", value: `lookup fault ${fault}`, frames: [] },
});

/** A configured status source for another vendor only: none covers the failing host. */
const vendorStatus: VendorStatusReader = {
  sources: () => [{ vendor: "payco", kind: "vendor", hosts: [], errorTypes: [], requestIds: [] }],
  getStatus: async () => {
    throw new Error("no page is read for an unlisted host");
  },
};

const sentry = (hostCount: number, total: number, totalValues?: number) =>
  ({
    listEvents: async () => [
      failingEvent("SERVICE_UNAVAILABLE"),
      failingEvent("SERVICE_UNAVAILABLE"),
      failingEvent("TIMEOUT"),
    ],
    getTagValues: async (_id: string, key: string) => ({
      key,
      values: [
        { value: HOST, count: hostCount },
        ...(total > hostCount ? [{ value: "other.example.org", count: total - hostCount }] : []),
      ],
      ...(totalValues !== undefined ? { totalValues } : {}),
    }),
  }) as unknown as SentryReader;

const errorLines = [
  ["2026-11-20 09:30:00.000", `{"msg":"rates lookup failed","host":"${HOST}","fault":"TIMEOUT"}`],
];
const answering = [
  [
    "2026-11-20 09:45:00.000",
    `{"msg":"rates lookup","host":"${HOST}","status":200,"duration_ms":210}`,
  ],
];

function run(opts: {
  answered: string[][];
  hostCount?: number;
  total?: number;
  totalValues?: number;
}) {
  const cloudwatch = {
    queryLogs: async (q: { query: string }) =>
      (q.query.includes(HOST) ? opts.answered : errorLines).map(([t, m]) => ({
        "@timestamp": t!,
        "@message": m!,
      })),
  } as unknown as NonNullable<SpecialistInput["tools"]["cloudwatch"]>;
  return vendor.run({
    question: "q",
    ticket,
    hints: { pages: [], recipes: [], negativeControls: [] },
    tools: {
      vendorStatus,
      sentry: sentry(opts.hostCount ?? 120, opts.total ?? 120, opts.totalValues),
      cloudwatch,
    },
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 5_000),
    now: NOW,
  });
}

const correlation = (out: Awaited<ReturnType<typeof run>>) =>
  "signals" in out ? out.signals.find((s) => s.kind === "vendor_error_correlation") : undefined;
const gaps = (out: Awaited<ReturnType<typeof run>>) =>
  "gaps" in out ? out.gaps.map((g) => g.what).join("\n") : "";

describe("vendor specialist: a failing vendor no status page covers", () => {
  it("isolates the host when the same client's other calls to it answered, and says no page was read", async () => {
    const out = await run({ answered: answering });
    expect(correlation(out)).toMatchObject({
      vendor: HOST,
      correlatedRequests: 120,
      sameHostAnswered: 1,
    });
    expect(gaps(out)).toContain(`no status page is configured for ${HOST}`);
  });

  it("emits no vendor signal without the control: the host and our way out to it stay one", async () => {
    const out = await run({ answered: [] });
    expect(correlation(out)).toBeUndefined();
    expect(gaps(out)).toContain(`no control for ${HOST}`);
  });

  it("emits no vendor signal when issue-wide the failures are not concentrated on the host", async () => {
    const out = await run({ answered: answering, hostCount: 40, total: 120 });
    expect(correlation(out)).toBeUndefined();
  });

  it("counts the issue's spread over every event carrying the tag, not the top values only", async () => {
    const out = await run({ answered: answering, hostCount: 40, total: 40, totalValues: 120 });
    expect(correlation(out)).toBeUndefined();
  });
});
