import { deadlineSignal } from "../shared/deadline.ts";
import { EvidenceDraft } from "../shared/draft.ts";
import { ticketTexts } from "../shared/ticket-text.ts";
import type { Specialist } from "../types.ts";
import { readTicket } from "./extract.ts";

/**
 * The support specialist: reads the ticket itself — description, comments, attachments —
 * for user reports (support tickets, "two more reports"), the stated number of affected
 * users, who is and is not affected, what users see against what they expect, the
 * reported onset, and the request ids they quoted. It needs no tool; every finding cites
 * the Linear issue, and `user_impact` (which drives severity, never the class) counts
 * what the reports state.
 */

export interface SupportSpecialistOptions {
  timeoutMs?: number;
}

const MAX_REQUEST_IDS = 50;
const quote = (s: string) => `"${s.replaceAll('"', "'")}"`;

export function createSupportSpecialist(options: SupportSpecialistOptions = {}): Specialist {
  const timeoutMs = options.timeoutMs ?? 5_000;

  return {
    id: "support",
    phase: "evidence",
    needs: [],
    timeoutMs,

    appliesTo(ticket) {
      const words = ticketTexts(ticket).reduce((n, t) => n + t.text.split(/\s+/).length, 0);
      if (words < 5) {
        return { applies: false, required: false, reason: "the ticket carries no report to read" };
      }
      return {
        applies: true,
        required: false,
        reason: `reads ${ticket.comments.length} comment(s) and ${ticket.attachments.length} attachment(s) for reports, impact and request ids`,
      };
    },

    question(ticket) {
      return `What do the reports in ${ticket.snapshot.ticketKey} say about who is affected, what they see, and which requests failed?`;
    },

    async run(input) {
      const draft = new EvidenceDraft("support", input.question);
      const signal = deadlineSignal(input);
      if (signal.aborted) return draft.timedOut(timeoutMs);
      const snapshot = input.ticket.snapshot;
      const ref = draft.source(
        "linear_issue",
        `linear_issue:${snapshot.ticketKey}`,
        snapshot.fetchedAt,
      );
      const reading = readTicket(input.ticket);

      const ids = reading.requestIds.slice(0, MAX_REQUEST_IDS);
      for (const id of ids) draft.correlate("request_id", id);
      if (ids.length > 0) {
        draft.finding(
          ref,
          `${ids.length} request id(s) quoted in the ticket: ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}`,
          snapshot.updatedAt,
        );
      }
      if (reading.reports > 0) {
        const tickets = reading.supportTickets.length
          ? ` (support tickets ${reading.supportTickets.join(", ")})`
          : "";
        draft.finding(
          ref,
          `${reading.reports} user report(s) referenced${tickets}`,
          snapshot.updatedAt,
        );
      }
      if (reading.statedAffected) {
        draft.finding(
          ref,
          `the ticket states ${reading.statedAffected.count} affected users`,
          reading.statedAffected.at,
        );
      }
      if (reading.noReports && reading.reports === 0) {
        draft.finding(ref, "the ticket states there are no user reports", snapshot.createdAt);
      }
      for (const s of reading.expectedVsActual.slice(0, 3)) {
        draft.finding(ref, `reported behaviour: ${quote(s.sentence)}`, s.at);
      }
      for (const s of reading.population.slice(0, 3)) {
        draft.finding(ref, `affected population: ${quote(s.sentence)}`, s.at);
      }
      if (reading.onset)
        draft.finding(ref, `reported onset: ${reading.onset.text}`, reading.onset.at);

      const affected = reading.statedAffected?.count ?? reading.reports;
      if (affected > 0 && reading.scope) {
        draft.signal(ref, { kind: "user_impact", affectedUsers: affected, scope: reading.scope });
      }
      if (draft.findings.length === 0) {
        draft.gap("the ticket carries no user report, impact statement or request id", 0);
      }
      return draft.finish(signal, timeoutMs);
    },
  };
}

const support: Specialist = createSupportSpecialist();
export default support;
