import { z } from "zod";

/**
 * A data-state signal of its own file (signals.ts is past its size): a reference row the
 * ticket names in words (a region, a plan, a price list) was edited, and the rows that
 * refer to it carry a different value since that minute while the rows referring to the
 * table's other rows kept theirs. Emitted only with that control: the rows follow the
 * edited data, not a code path that changed for every row. The edit's time dates the
 * data-state onset (run-onset.ts).
 */
export const ReferenceEditSignal = z.object({
  kind: z.literal("reference_edit"),
  sourceRef: z.string().min(1).describe("ref of one of the output's sources"),
  /** The small table the edited row lives in. */
  table: z.string().min(1),
  /** The ticket's own words that picked the row. */
  named: z.string().min(1),
  editedAt: z.iso.datetime({ offset: true }),
  /** An audit table recorded the edit (who and when), or only the row's update time did. */
  datedBy: z.enum(["audit_trail", "update_time"]),
  /** The table whose rows refer to the edited row. */
  referringTable: z.string().min(1),
  /** Referring rows created in the window before the edit, and since it. */
  rowsBefore: z.number().int().nonnegative(),
  rowsSince: z.number().int().nonnegative(),
  /** Numeric columns of the referring rows whose mean moved at the edit (before → since). */
  shifted: z
    .array(z.object({ column: z.string().min(1), before: z.number(), after: z.number() }))
    .min(1)
    .max(5),
});

type ReferenceEdit = z.infer<typeof ReferenceEditSignal>;

const rounded = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100);

/** "<column> <before> → <after> (mean)": each shifted column's mean before the edit and since. */
export const shiftText = (shifted: ReferenceEdit["shifted"]): string =>
  `${shifted.map((c) => `${c.column} ${rounded(c.before)} → ${rounded(c.after)}`).join(", ")} (mean)`;
