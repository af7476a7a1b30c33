import { describe, expect, it } from "vitest";
import type { VendorSource } from "../tools.ts";
import { matcherFor } from "./detect.ts";
import {
  insightsTimeMs,
  type LogLine,
  otherHostsHealthy,
  sameHostAnswered,
} from "./egress-control.ts";

const source: VendorSource = {
  vendor: "acme-verify",
  kind: "vendor",
  hosts: ["api.acme-verify.example"],
  errorTypes: [],
  requestIds: [],
};
const acme = matcherFor(source);
const at = (hhmm: string) => Date.parse(`2026-11-20T${hhmm}:00Z`);
const line = (hhmm: string, text: string): LogLine => ({ at: at(hhmm), text });

const failing = [
  line(
    "09:14",
    '{"level":"error","msg":"upstream timeout","host":"api.acme-verify.example","duration_ms":30001}',
  ),
  line("09:15", '{"level":"error","path":"/v1/checks","status":502,"err":"AcmeError: timed out"}'),
];

describe("egress control: other hosts the same client reached while the vendor failed", () => {
  it("counts other hosts answering 2xx in the vendor's host field after its first failure", () => {
    const healthy = otherHostsHealthy(
      failing,
      [
        line("09:20", '{"msg":"upstream call","host":"api.screening.example","status":200}'),
        line("09:40", '{"msg":"upstream call","host":"api.mailer.example","status":202}'),
        line("09:41", '{"msg":"upstream call","host":"api.mailer.example","status":200}'),
      ],
      acme,
    );
    expect(healthy.sort()).toEqual(["api.mailer.example", "api.screening.example"]);
  });

  it("does not count the vendor's own successes, lines before its first failure, or failures", () => {
    const healthy = otherHostsHealthy(
      failing,
      [
        line("09:02", '{"msg":"upstream call","host":"api.screening.example","status":200}'),
        line("09:30", '{"msg":"upstream call","host":"api.acme-verify.example","status":201}'),
        line(
          "09:31",
          '{"msg":"upstream call","host":"api.other.example","status":200,"err":"timeout"}',
        ),
        { text: '{"msg":"upstream call","host":"api.undated.example","status":200}' },
      ],
      acme,
    );
    expect(healthy).toEqual([]);
  });

  it("needs the vendor's host in a field of its failing lines: a host only in prose names no client", () => {
    const prose = [line("09:14", "request to https://api.acme-verify.example failed after 30 s")];
    const ok = [line("09:20", '{"host":"api.screening.example","status":200}')];
    expect(otherHostsHealthy(prose, ok, acme)).toEqual([]);
  });

  it("reads the field the failing lines use (`upstream=`), not any host in a 2xx line", () => {
    const kv = [line("09:14", "level=error upstream=api.acme-verify.example err=ReadTimeout")];
    const ok = [
      line("09:20", "level=info upstream=api.rates.example status=200 elapsed_ms=80"),
      line("09:21", '{"host":"shop.ours.example","path":"/health","status":200}'),
    ];
    expect(otherHostsHealthy(kv, ok, acme)).toEqual(["api.rates.example"]);
  });

  it("does not count our own inbound access lines: another logger, or a host we serve", () => {
    const access = (hhmm: string, host: string) =>
      line(
        hhmm,
        `{"level":"info","method":"GET","path":"/v1/checks","host":"${host}","status":200}`,
      );
    // Another logger than the failing client's (`msg`), though the same `host` field.
    expect(otherHostsHealthy(failing, [access("09:20", "svc.internal.example")], acme)).toEqual([]);
    // Failing lines without a logger/message: the keys match, but the host is one we serve.
    const bare = [
      line("09:14", '{"level":"error","host":"api.acme-verify.example","err":"timeout"}'),
    ];
    const ok = [
      access("09:20", "svc.internal.example"),
      line("09:21", '{"level":"info","host":"svc.internal.example","status":200}'),
      line("09:22", '{"level":"info","host":"api.rates.example","status":200}'),
    ];
    expect(otherHostsHealthy(bare, ok, acme)).toEqual(["api.rates.example"]);
  });

  it("reads Logs Insights timestamps as UTC", () => {
    expect(insightsTimeMs("2026-11-20 09:14:41.000")).toBe(Date.parse("2026-11-20T09:14:41Z"));
    expect(insightsTimeMs("not a time")).toBeUndefined();
  });
});

describe("egress control: the same client's other calls to the failing host", () => {
  const host = "rates.example.org";
  const failingRates = [
    line(
      "09:10",
      `{"level":"warn","msg":"rates lookup failed","host":"${host}","fault":"UNAVAILABLE"}`,
    ),
    line("09:10", '{"level":"error","path":"/v1/quote","status":502,"err":"RatesError"}'),
  ];

  it("counts lines of the failing lines' shape naming the host that answered after the first failure", () => {
    const answered = sameHostAnswered(
      failingRates,
      [
        line("09:05", `{"level":"info","msg":"rates lookup","host":"${host}","duration_ms":120}`),
        line("09:20", `{"level":"info","msg":"rates lookup","host":"${host}","duration_ms":130}`),
        line("09:22", `{"level":"info","msg":"rates lookup","host":"${host}"}`),
        line("09:25", `{"level":"info","msg":"rates lookup","host":"${host}","status":200}`),
        ...failingRates,
      ],
      host,
    );
    // 09:05 is before the first failure; 09:20 timed the call to its answer, 09:25 states a
    // 2xx; 09:22 states neither (a call logged before its response); the failing lines
    // themselves never count.
    expect(answered).toBe(2);
  });

  it("does not count another client's lines, non-2xx answers or undated failures", () => {
    expect(
      sameHostAnswered(
        failingRates,
        [
          line("09:20", `{"level":"info","msg":"cache warm","host":"${host}"}`),
          line("09:21", `{"level":"info","msg":"rates lookup","host":"${host}","status":503}`),
          line("09:22", `{"level":"info","msg":"rates lookup","host":"other.example.org"}`),
        ],
        host,
      ),
    ).toBe(0);
    const undated = failingRates.map(({ text }) => ({ text }));
    expect(
      sameHostAnswered(undated, [line("09:20", `{"msg":"rates lookup","host":"${host}"}`)], host),
    ).toBe(0);
  });
});
