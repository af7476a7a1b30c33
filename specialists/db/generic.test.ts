import { describe, expect, it } from "vitest";
import type { TicketContext } from "../types.ts";
import {
  duplicateCorrectionSql,
  duplicateEntitySql,
  isStateValue,
  stuckCorrectionSql,
  stuckSummarySql,
} from "./discrepancies.ts";
import { literalList, locateSql, referrers, tablesOf, ticketRecordIds } from "./schema.ts";

/** The schema conventions and the statement shapes of the generic data-state checks. */

const ticket = (description: string, comment = ""): TicketContext => ({
  snapshot: {
    ticketKey: "X-1",
    title: "Something is wrong with some records",
    labels: [],
    status: "Triage",
    descriptionExcerpt: description,
    linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    fetchedAt: "2026-01-01T00:00:00.000Z",
  },
  comments: comment ? [{ author: "a", body: comment, createdAt: "2026-01-01T00:00:00.000Z" }] : [],
  attachments: [],
});

const columns = (rows: [string, string, string][]) => ({
  columns: ["table_name", "column_name", "data_type"],
  rows,
  rowCount: rows.length,
  truncated: false,
});

const schema = tablesOf(
  columns([
    ["invoices", "id", "text"],
    ["invoices", "customer_id", "text"],
    ["invoices", "state", "text"],
    ["invoices", "created_at", "timestamp with time zone"],
    ["invoice_lines", "id", "text"],
    ["invoice_lines", "invoice_id", "text"],
    ["invoice_lines", "amount", "integer"],
    ["charges", "id", "uuid"],
    ["charges", "invoice_id", "text"],
    ["charges", "charge_status", "text"],
    ["Bad Name", "id", "text"],
  ]),
);

describe("ticket record ids", () => {
  it("takes prefixed ids with a digit, not snake_case words, at most five", () => {
    const t = ticket(
      "See inv_8Kq2 and inv_77; the payment_intent webhook, plan_migration script.",
      "also cus_1 cus_2 cus_3 cus_4 inv_8Kq2",
    );
    expect(ticketRecordIds(t)).toEqual(["inv_8Kq2", "inv_77", "cus_1", "cus_2", "cus_3"]);
  });

  it("never splices anything but a plain id", () => {
    expect(() => literalList(["a'; drop table x; --"])).toThrow();
    expect(isStateValue("payment_pending")).toBe(true);
    expect(isStateValue("x' or '1'='1")).toBe(false);
  });
});

describe("schema conventions", () => {
  it("reads keys, states, creation times and references from the column list", () => {
    const invoices = schema.find((t) => t.name === "invoices")!;
    expect(invoices).toMatchObject({
      key: "id",
      state: "state",
      created: "created_at",
      idColumns: ["id", "customer_id"],
    });
    expect(schema.some((t) => t.name === "Bad Name")).toBe(false);
    expect(referrers(invoices, schema).map((r) => `${r.table.name}.${r.column}`)).toEqual([
      "invoice_lines.invoice_id",
      "charges.invoice_id",
    ]);
    expect(schema.find((t) => t.name === "charges")?.state).toBe("charge_status");
  });

  it("locates ids with one aggregate per table over its id columns", () => {
    const invoices = schema.find((t) => t.name === "invoices")!;
    expect(locateSql(invoices, ["inv_1"])).toBe(
      "select count(*) filter (where t.id in ('inv_1')) as id, count(*) filter (where t.customer_id in ('inv_1')) as customer_id from invoices t where t.id in ('inv_1') or t.customer_id in ('inv_1')",
    );
  });
});

describe("statements", () => {
  const invoices = schema.find((t) => t.name === "invoices")!;
  const charges = schema.find((t) => t.name === "charges")!;
  const pair = { state: "open", relatedState: "captured" };
  const cutoff = new Date("2026-01-01T10:00:00Z");

  it("groups duplicates by the reference column and the state", () => {
    expect(duplicateEntitySql(invoices, "customer_id", ["cus_1"])).toContain(
      "group by t.customer_id, t.state having count(*) > 1 limit 20",
    );
  });

  it("counts stuck records only past the cutoff and among those with the related state", () => {
    const sql = stuckSummarySql(invoices, charges, "invoice_id", pair, cutoff, cutoff);
    expect(sql).toContain("t.state = 'open' and t.created_at < '2026-01-01T10:00:00.000Z'");
    expect(sql).toContain(
      "exists (select 1 from charges r where r.invoice_id = t.id and r.charge_status = 'captured')",
    );
  });

  it("proposes fixes with a placeholder a human must fill, never a guessed state", () => {
    expect(stuckCorrectionSql(invoices, charges, "invoice_id", pair, cutoff)).toMatch(
      /update invoices t set state = :next_state where t\.state = 'open'/,
    );
    expect(duplicateCorrectionSql(invoices, "customer_id", ["open"])).toMatch(
      /update invoices set state = :retired_state where id in \(select d\.id from \(select t\.id, row_number\(\) over \(partition by t\.customer_id, t\.state/,
    );
  });
});
