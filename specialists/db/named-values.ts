import { ticketText } from "../shared/ticket-text.ts";
import type { TicketContext } from "../types.ts";

/**
 * The values a ticket names in words rather than by record id: a quoted phrase, a
 * capitalised word or hyphenated compound ("Nordland", "Premium-Plus"), or a run of up to
 * three capitalised words ("New South Wales"), not counting a sentence's first word. Business tickets name a region, a plan, a
 * carrier or a price list this way; the db specialist matches these values against the
 * text columns of small reference tables (reference-edit.ts). Most candidates (a
 * sentence's first word, a weekday) match nothing, which costs one aggregate per table.
 */

/** At most this many values from the ticket: the reporter's words, not a list to scan. */
export const MAX_NAMED_VALUES = 12;

/** A quoted phrase; a single quote counts only at a word's edge (not "hasn't"). */
const QUOTED = /(?:^|[\s(])["“'‘`]([^"”'’`\n]{3,60})["”'’`](?=$|[\s).,;:!?])/gu;
const WORD = String.raw`\p{Lu}[\p{L}\p{N}]*(?:-[\p{L}\p{N}]+)*`;
/** Capitalised words, alone or up to three in a row, not glued to other word characters. */
const CAPITALISED = new RegExp(
  String.raw`(?<![\p{L}\p{N}_-])${WORD}(?:[ \t]${WORD}){0,2}(?![\p{L}\p{N}_-])`,
  "gu",
);
/**
 * A value we splice into SQL as a literal: letters, digits, spaces, dots and hyphens
 * only, so no quote or backslash can end or escape it.
 */
const PLAIN_VALUE = /^[\p{L}\p{N}][\p{L}\p{N} .-]{1,62}[\p{L}\p{N}.]$/u;

/** A sentence's (or a line's) first word is capitalised by grammar, not because it is a name. */
const opensSentence = (text: string, at: number) =>
  /(?:^|[.!?]|\n)\s*$/.test(text.slice(Math.max(0, at - 40), at));
const dropFirstWord = (run: string) => {
  const rest = run.split(/[ \t]/).slice(1);
  return rest.length > 0 ? [rest.join(" ")] : [];
};

/** The ticket's named values, quoted phrases and compounds first, at most {@link MAX_NAMED_VALUES}. */
export function ticketNamedValues(ticket: TicketContext): string[] {
  const text = ticketText(ticket);
  const quoted = [...text.matchAll(QUOTED)].map((m) => m[1]!.trim());
  const runs = [...text.matchAll(CAPITALISED)].flatMap((m) =>
    opensSentence(text, m.index) ? dropFirstWord(m[0]) : [m[0]],
  );
  // A run names one thing ("Alder Vale Road") or joins a sentence's first word to a name
  // ("After Alder"): keep the run and each of its words.
  const words = runs.flatMap((run) => run.split(/[ \t]/));
  const compound = (v: string) => /[ \t-]/.test(v);
  const ordered = [
    ...quoted,
    ...runs.filter(compound),
    ...words.filter(compound),
    ...runs.filter((v) => !compound(v)),
    ...words,
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of ordered) {
    const key = value.toLowerCase();
    if (seen.has(key) || !PLAIN_VALUE.test(value) || /^[\d .-]+$/.test(value)) continue;
    seen.add(key);
    out.push(value);
    if (out.length === MAX_NAMED_VALUES) break;
  }
  return out;
}

/** The values as lower-cased SQL literals (`lower('A'), …`), each checked again. */
export function namedValueList(values: readonly string[]): string {
  for (const v of values) if (!PLAIN_VALUE.test(v)) throw new Error(`'${v}' is not a plain value`);
  return values.map((v) => `lower('${v}')`).join(", ");
}
