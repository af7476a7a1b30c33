import type { SpecialistId } from "../../src/domain/specialist-output.ts";
import type { RoutingHints, TicketContext } from "../types.ts";

/**
 * The texts specialists read a ticket and its wiki hints through, so every specialist
 * matches against the same words in the same order.
 */

export interface TicketText {
  text: string;
  /** When this text was written (description: the ticket's creation). */
  at: string;
  where: "title" | "description" | "comment" | "attachment";
}

/**
 * The ticket's own texts, in the order a human reads them: title, description, comments,
 * attachment titles.
 */
export function ticketTexts(ticket: TicketContext): TicketText[] {
  const s = ticket.snapshot;
  return [
    { text: s.title, at: s.createdAt, where: "title" as const },
    { text: s.descriptionExcerpt, at: s.createdAt, where: "description" as const },
    ...ticket.comments.map((c) => ({ text: c.body, at: c.createdAt, where: "comment" as const })),
    ...ticket.attachments.map((a) => ({
      text: a.title,
      at: s.createdAt,
      where: "attachment" as const,
    })),
  ];
}

/** The ticket's own texts ({@link ticketTexts}) as one text, a line break between each. */
export function ticketText(ticket: TicketContext): string {
  return ticketTexts(ticket)
    .map((t) => t.text)
    .join("\n");
}

/** A wiki recipe or negative control addressed to one specialist, as one text. */
export interface HintText {
  pageId: string;
  /** The hint's name and body, on separate lines. */
  text: string;
}

/** Recipes, then negative controls, addressed to specialist `id` (routing only). */
export function hintTextsFor(hints: RoutingHints, id: SpecialistId): HintText[] {
  return [...hints.recipes, ...hints.negativeControls]
    .filter((h) => h.specialist === id)
    .map((h) => ({ pageId: h.pageId, text: `${h.name}\n${h.body}` }));
}
