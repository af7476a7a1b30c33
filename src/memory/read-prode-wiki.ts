import type { TicketContext } from "../../specialists/types.ts";
import type { ToolEntry } from "../domain/evidence-context.ts";
import type { Wiki } from "./types.ts";
import { loadWiki } from "./wiki.ts";
import { selectWikiPages, type WikiSelection, type WikiTicketSignals } from "./wiki-select.ts";

/**
 * The logic of the READ_PRODE_WIKI phase, without the phase plumbing: load the wiki,
 * select the pages that apply to the ticket, and return the routing hints and the
 * operational memory record. The phase handler persists the memory into the bundle and
 * hands the hints to ROUTE_SPECIALISTS.
 */

/** Labels of the form `service:<name>` name the service when the router does not. */
const SERVICE_LABEL = /^service:(.+)$/;

/** What a ticket offers for matching: its service, labels, Sentry tags and texts. */
export function wikiSignalsFromTicket(
  ticket: TicketContext,
  sentryTags: readonly { key: string; value: string }[] = [],
): WikiTicketSignals {
  const labelled = ticket.snapshot.labels.flatMap((l) => {
    const m = SERVICE_LABEL.exec(l);
    return m ? [m[1]!] : [];
  });
  return {
    labels: ticket.snapshot.labels,
    ...(ticket.service ? { resolvedService: ticket.service } : {}),
    services: [...new Set([...(ticket.service ? [ticket.service] : []), ...labelled])],
    sentryTags,
    text: [
      ticket.snapshot.title,
      ticket.snapshot.descriptionExcerpt,
      ...ticket.comments.map((c) => c.body),
      ...ticket.attachments.map((a) => a.title),
    ].join("\n"),
  };
}

/**
 * The wiki as a connector of the tool map. Its absence costs no confidence: memory is
 * not evidence (invariant 2), so the run is exactly as sure without it, only less guided.
 */
export function wikiToolEntry(wiki: Wiki): ToolEntry {
  const pages = wiki.entries.filter((e) => e.kind === "page").length;
  if (pages > 0) return { connector: "wiki", status: "available", confidenceImpact: 0 };
  const why = wiki.problems[0] ?? "index.md registers no readable page";
  return { connector: "wiki", status: "missing", reason: why, confidenceImpact: 0 };
}

interface ReadProdeWikiInput {
  /** The wiki directory (config PRODE_WIKI_DIR). */
  dir: string;
  ticket: TicketContext;
  /** Tags of the linked Sentry issue's latest event, when already fetched. */
  sentryTags?: readonly { key: string; value: string }[];
  /** Resources the catalog assigns to other services than the ticket's: never targeted. */
  foreignResources?: readonly string[];
  now: Date;
}

interface ReadProdeWikiResult extends WikiSelection {
  tool: ToolEntry;
  /** Index problems, for the operator log (not the bundle). */
  problems: string[];
}

/** Loads the wiki and selects the pages for one ticket. Never throws for wiki content. */
export async function readProdeWiki(input: ReadProdeWikiInput): Promise<ReadProdeWikiResult> {
  // Unregistered files are never read, so a run has no use for their list.
  const wiki = await loadWiki(input.dir);
  const selection = selectWikiPages(
    wiki,
    {
      ...wikiSignalsFromTicket(input.ticket, input.sentryTags),
      ...(input.foreignResources ? { foreignResources: input.foreignResources } : {}),
    },
    input.now,
  );
  return { ...selection, tool: wikiToolEntry(wiki), problems: wiki.problems };
}
