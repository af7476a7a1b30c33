import { clipText } from "../clip.ts";
import { ticketTexts } from "../shared/ticket-text.ts";
import type { TicketContext } from "../types.ts";

/**
 * What the ticket's own words say about user impact: how many reports and which
 * support tickets, how many users, who is affected and who is not, what users see
 * against what they expect, when it started, and the request ids they quoted. Pure
 * text reading (the ticket context arrives redacted); the numbers are what the reports
 * state, not a measurement, and findings say so.
 */

export interface SupportReading {
  requestIds: string[];
  supportTickets: string[];
  /** Reports counted from support-ticket references and "N more reports" phrases. */
  reports: number;
  /** An explicit count of affected users/customers, when the ticket states one. */
  statedAffected?: { count: number; at: string };
  scope?: "isolated" | "partial" | "widespread";
  /** The ticket says nobody has reported it. */
  noReports: boolean;
  /** Sentences contrasting what users see with what they expect. */
  expectedVsActual: { sentence: string; at: string }[];
  /** Sentences saying who is affected or not. */
  population: { sentence: string; at: string }[];
  onset?: { text: string; at: string };
  /** The ticket says a release started it: the sentence, and the version it names. */
  reportedRelease?: { statement: string; release?: string; at: string };
}

const REQUEST_ID = /\breq_[A-Za-z0-9]{10,64}\b/g;
const LABELLED_REQUEST_ID =
  /\b(?:x-)?request[ _-]?ids?\s*[:=]\s*([A-Za-z0-9][A-Za-z0-9_.-]{6,126}[A-Za-z0-9])/gi;
const SUPPORT_TICKET = /#(\d{4,9})\b/g;
const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  another: 1,
};
const MORE_REPORTS =
  /\b(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|another)\s+(?:more\s+|other\s+|similar\s+|new\s+)*(?:reports?|tickets?|complaints?)\b/gi;
/** "according to a support ping": one report without a ticket number. */
const SUPPORT_CONTACT =
  /\b(?:a|one|another)\s+support\s+(?:ping|request|message|report|escalation)\b/gi;
/** "40 customers affected", "12 users are impacted" — a count next to what it did to them. */
const STATED_AFFECTED =
  /\b(\d[\d,]{0,9})\s+(?:users|customers|accounts|workspaces|people)\s+(?:are\s+|were\s+|seem\s+|appear\s+)?(?:affected|impacted|blocked|reporting)\b/gi;
/** Sentry's issue attachments: "<SHORT-ID> · <n> events · <n> users". */
const SENTRY_USERS = /\u00b7\s*(\d[\d,]{0,9})\s+users?\b/gi;
const NO_REPORTS = /\bno (?:customer |user |support )?(?:reports?|complaints?|tickets?)\b/i;
const WIDESPREAD =
  /\b(?:all|every)\s+(?:users?|customers?|accounts?|requests?)\b|\beveryone\b|\bwidespread\b|\bfull outage\b/i;
const PARTIAL =
  /\bonly\b|\bsome\b|\bsubset\b|\bpossibly more\b|\bmore (?:workspaces|customers|accounts|users)\b|\bbrand-new\b/i;
const CONTRAST =
  /\b(?:shows?|displays?|lists?|returns?|gets?|sees?|charges?)\b.*\b(?:while|whereas|but|instead of|expected|should)\b/i;
const POPULATION = /\baffected\b|\bunaffected\b|\bcan (?:still )?(?:log in|use)\b/i;
const ONSET =
  /\bsince (?:about |around |approximately |approx\.? )?(\d{1,2}:\d{2}(?:\s?UTC)?|yesterday|this morning|last week|the deploy(?:ment)?)/i;

/** "after this morning's deploy", "since the 5.2.0 release", "broke with the rollout". */
const RELEASE_CLAIM =
  /\b(?:since|after|following|caused by|broke (?:in|with|after)|started (?:with|after)|introduced (?:in|by))\b(?:[^.;!?]|\.(?=\d)){0,80}?\b(?:deploy(?:ment|ed)?|releases?|rollout|roll-out)\b/i;
/** A version: three dotted parts (5.2.0, 2027.01.02-1) or a leading v (v2.3). */
const VERSION =
  /(?<![\d.])v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]*[0-9A-Za-z])?\b(?!\.\d)|\bv\d+(?:\.\d+)+\b/;
/** A question or a denial is not a claim: "is it the deploy?", "not since the release". */
const NOT_A_CLAIM = /\?\s*$|\b(?:not|no|unrelated|ruled out)\b|n't\b/i;

/**
 * Splits prose into sentences. Hard-wrapped lines are joined first (a line starting in
 * lower case continues the one before); other lines — "Endpoint: …", list items — stand
 * alone.
 */
export function sentences(text: string): string[] {
  const unwrapped = text.replace(/\n[ \t]*(?=[a-z(])/g, " ");
  return unwrapped
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const clip = (s: string) => (s.length > 240 ? clipText(s, 237) : s);

export function readTicket(ticket: TicketContext): SupportReading {
  const reading: SupportReading = {
    requestIds: [...ticket.snapshot.linked.requestIds],
    supportTickets: [],
    reports: 0,
    noReports: false,
    expectedVsActual: [],
    population: [],
  };
  const addId = (id: string) => {
    if (!reading.requestIds.includes(id)) reading.requestIds.push(id);
  };
  let phraseReports = 0;
  let widespread = false;
  let partial = false;
  for (const { text, at, where } of ticketTexts(ticket)) {
    for (const m of text.matchAll(REQUEST_ID)) addId(m[0]);
    for (const m of text.matchAll(LABELLED_REQUEST_ID)) addId(m[1]!);
    if (NO_REPORTS.test(text)) reading.noReports = true;
    for (const sentence of sentences(text)) {
      const refs = /ticket/i.test(sentence)
        ? [...sentence.matchAll(SUPPORT_TICKET)].map((m) => `#${m[1]}`)
        : [];
      for (const ref of refs) {
        if (!reading.supportTickets.includes(ref)) reading.supportTickets.push(ref);
      }
      // "two similar tickets (#88012, #88077)" is counted by its references, not twice.
      if (refs.length === 0) {
        for (const m of sentence.matchAll(MORE_REPORTS)) {
          const word = m[1]!.toLowerCase();
          phraseReports += NUMBER_WORDS[word] ?? Number(word);
        }
        phraseReports += [...sentence.matchAll(SUPPORT_CONTACT)].length;
      }
      for (const m of [...sentence.matchAll(STATED_AFFECTED), ...sentence.matchAll(SENTRY_USERS)]) {
        const count = Number(m[1]!.replaceAll(",", ""));
        if (count > (reading.statedAffected?.count ?? 0)) reading.statedAffected = { count, at };
      }
      if (where !== "title" && CONTRAST.test(sentence)) {
        reading.expectedVsActual.push({ sentence: clip(sentence), at });
      }
      if (POPULATION.test(sentence)) reading.population.push({ sentence: clip(sentence), at });
      if (WIDESPREAD.test(sentence) && !/\bnot\b/i.test(sentence)) widespread = true;
      if (PARTIAL.test(sentence) && POPULATION.test(sentence)) partial = true;
      const onset = ONSET.exec(sentence);
      if (onset && !reading.onset) reading.onset = { text: onset[0], at };
      if (!reading.reportedRelease && RELEASE_CLAIM.test(sentence) && !NOT_A_CLAIM.test(sentence)) {
        const release = VERSION.exec(sentence)?.[0];
        reading.reportedRelease = {
          statement: clip(sentence),
          at,
          ...(release ? { release } : {}),
        };
      }
    }
  }
  reading.reports = reading.supportTickets.length + phraseReports;
  const affected = reading.statedAffected?.count ?? reading.reports;
  if (affected > 0) {
    reading.scope = widespread ? "widespread" : partial || affected > 1 ? "partial" : "isolated";
  }
  return reading;
}
