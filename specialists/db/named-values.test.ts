import { describe, expect, it } from "vitest";
import type { TicketContext } from "../types.ts";
import { MAX_NAMED_VALUES, namedValueList, ticketNamedValues } from "./named-values.ts";

const ticket = (title: string, description: string, comment = ""): TicketContext => ({
  snapshot: {
    ticketKey: "X-1",
    title,
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

describe("the values a ticket names in words", () => {
  it("takes quoted phrases first, then compounds and runs, then single capitalised words", () => {
    const values = ticketNamedValues(
      ticket(
        "Fees in Upper-Valley look off",
        'Since Tuesday the "gold tier" customers in New South Wales pay nothing; Oslo is fine.',
        "api-gateway hasn't been deployed since Sunday.",
      ),
    );
    expect(values.slice(0, 2)).toEqual(["gold tier", "Upper-Valley"]);
    expect(values).toEqual(
      expect.arrayContaining(["New South Wales", "Tuesday", "Oslo", "Sunday"]),
    );
    // A sentence's first word is capitalised by grammar: "Fees", "Since" are not names.
    expect(values).not.toContain("Fees");
    expect(values.some((v) => v.startsWith("Since"))).toBe(false);
    // Lower-case words and apostrophes inside words are not values.
    expect(values).not.toContain("api-gateway");
    expect(values.some((v) => v.includes("'"))).toBe(false);
  });

  it("keeps letters beyond ASCII, drops numbers and short words, and stops at the cap", () => {
    const many = Array.from({ length: 20 }, (_, i) => `see Name${String.fromCharCode(97 + i)}x`);
    const values = ticketNamedValues(
      ticket("Rates for Østlandet and 2027 and No", many.join(", ")),
    );
    expect(values[0]).toBe("Østlandet");
    expect(values).not.toContain("2027");
    expect(values).not.toContain("No");
    expect(values).toHaveLength(MAX_NAMED_VALUES);
  });

  it("splices only plain values into SQL: a quote or a backslash is refused", () => {
    expect(namedValueList(["Nord-Vest", "Zone 3"])).toBe("lower('Nord-Vest'), lower('Zone 3')");
    expect(() => namedValueList(["x' or 1=1 --"])).toThrow();
    expect(() => namedValueList(["back\\slash"])).toThrow();
  });
});
