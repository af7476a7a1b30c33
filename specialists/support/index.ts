import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import { deadlineSignal } from "../shared/deadline.ts";
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
      const ev = new EvidenceCollector({
        specialistId: "support",
        question: input.question,
        at: input.now,
        deadlineMs: timeoutMs,
        rules: CHECK_RULES,
      });
      const signal = deadlineSignal(input);
      if (signal.aborted) return ev.timedOut();
      const snapshot = input.ticket.snapshot;
      const ref = ev.source({
        kind: "linear_issue",
        ref: `linear_issue:${snapshot.ticketKey}`,
        fetchedAt: snapshot.fetchedAt,
      });
      const reading = readTicket(input.ticket);

      const ids = reading.requestIds.slice(0, MAX_REQUEST_IDS);
      for (const id of ids) ev.correlate({ kind: "request_id", value: id });
      if (ids.length > 0) {
        ev.finding({
          fact: `${ids.length} request id(s) quoted in the ticket: ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}`,
          source: ref,
          observedAt: snapshot.updatedAt,
        });
      }
      if (reading.reports > 0) {
        const tickets = reading.supportTickets.length
          ? ` (support tickets ${reading.supportTickets.join(", ")})`
          : "";
        ev.finding({
          fact: `${reading.reports} user report(s) referenced${tickets}`,
          source: ref,
          observedAt: snapshot.updatedAt,
        });
      }
      if (reading.statedAffected) {
        ev.finding({
          fact: `the ticket states ${reading.statedAffected.count} affected users`,
          source: ref,
          observedAt: reading.statedAffected.at,
        });
      }
      if (reading.noReports && reading.reports === 0) {
        ev.finding({
          fact: "the ticket states there are no user reports",
          source: ref,
          observedAt: snapshot.createdAt,
        });
      }
      for (const s of reading.expectedVsActual.slice(0, 3)) {
        ev.finding({
          fact: `reported behaviour: ${quote(s.sentence)}`,
          source: ref,
          observedAt: s.at,
        });
      }
      for (const s of reading.population.slice(0, 3)) {
        ev.finding({
          fact: `affected population: ${quote(s.sentence)}`,
          source: ref,
          observedAt: s.at,
        });
      }
      if (reading.onset)
        ev.finding({
          fact: `reported onset: ${reading.onset.text}`,
          source: ref,
          observedAt: reading.onset.at,
        });

      if (reading.reportedRelease) {
        const { statement, release } = reading.reportedRelease;
        ev.finding({
          fact: `the ticket blames a release${release ? ` (${release})` : ""}: ${quote(statement)}`,
          source: ref,
          observedAt: reading.reportedRelease.at,
        });
        ev.signal({
          source: ref,
          kind: "reported_cause",
          cause: "release",
          statement,
          ...(release ? { release } : {}),
        });
      }

      const affected = reading.statedAffected?.count ?? reading.reports;
      if (affected > 0 && reading.scope) {
        ev.signal({
          source: ref,
          kind: "user_impact",
          affectedUsers: affected,
          scope: reading.scope,
        });
      }
      if (ev.findings.length === 0) {
        ev.gap({
          what: "the ticket carries no user report, impact statement or request id",
          confidenceImpact: 0,
        });
      }
      return ev.finish(signal);
    },
  };
}

const support: Specialist = createSupportSpecialist();
export default support;
