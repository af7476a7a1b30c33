import { describe, expect, it } from "vitest";
import { createTestDb } from "../../test/setup/db.ts";
import { appendAudit, verifyAudit } from "../audit/audit.ts";
import { auditEvents } from "../db/schema.ts";
import { createLogger } from "./logger.ts";

describe("egress redaction in logs", () => {
  it("redacts secrets in the message, in fields and in bindings", () => {
    const lines: string[] = [];
    const log = createLogger(
      "info",
      { role: "test" },
      { write: (line: string) => lines.push(line) },
    );
    const key = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
    log
      .child({ dsn: "postgres://prode:hunter2pass@db.internal:5432/app" })
      .info(
        { header: "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789" },
        `calling STS as ${key} for alice@example.com`,
      );
    const out = lines.join("");
    expect(out).not.toContain(key);
    expect(out).not.toContain("hunter2pass");
    expect(out).not.toContain("abcdefghijklmnopqrstuvwxyz0123456789");
    expect(out).not.toContain("alice@example.com");
    expect(JSON.parse(lines[0]!)).toMatchObject({ role: "test", level: 30 });
  });
});

describe("egress redaction in audit payloads", () => {
  it("stores an audit payload redacted, and the chain still verifies", async () => {
    const t = await createTestDb();
    try {
      const token = ["xoxb", "1234567890", "1234567890123", "AbCdEfGhIjKlMnOpQrStUvWx"].join("-");
      await appendAudit(t.db, {
        type: "test",
        actor: "x",
        payload: { note: `posted with ${token}`, contact: "oncall@example.com" },
      });
      const [row] = await t.db.select().from(auditEvents);
      const stored = JSON.stringify(row?.payload);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain("oncall@example.com");
      expect(stored).toContain("[REDACTED:");
      expect((await verifyAudit(t.db)).ok).toBe(true);
    } finally {
      await t.drop();
    }
  });
});
