import { posix } from "node:path";
import { splitSections } from "./markdown.ts";
import type { WikiIndexEntry } from "./types.ts";

/**
 * `wiki/index.md` is the registry of pages READ_PRODE_WIKI reads. Under the heading
 * `## Pages`, each list item `- [page-id](file.md): what it is for` registers one page;
 * everything else in the file is prose for humans. A page file that is not registered
 * is never read, so retiring a page is one line removed (or `status: retired`).
 */

export const INDEX_FILE = "index.md";
const PAGES_HEADING = "pages";
const ENTRY = /^[-*]\s+\[([^\]]+)\]\(([^)\s]+)\)\s*(?:[:\u2014-]\s*)?(.*)$/;
const KEBAB = /^[a-z0-9][a-z0-9-]*$/;

interface ParsedIndex {
  entries: WikiIndexEntry[];
  problems: string[];
}

/** Why a registered file path is refused, or undefined when it is a plain relative .md path. */
function badEntryPath(file: string): string | undefined {
  if (!file.endsWith(".md")) return "a page is a .md file";
  if (file.startsWith("/") || /^[a-z]+:/i.test(file)) return "the path must be relative";
  const normalized = posix.normalize(file);
  if (normalized.startsWith("..") || normalized !== file.replace(/^\.\//, "")) {
    return "the path must stay inside the wiki directory, without . or .. segments";
  }
  if (normalized === "index.md") return "index.md cannot register itself";
  return undefined;
}

/** Parses index.md; bad lines are problems (with their line), never a crash. */
export function parseWikiIndex(text: string): ParsedIndex {
  const lines = text.split(/\r?\n/);
  const out: ParsedIndex = { entries: [], problems: [] };
  const section = splitSections(lines, 2).find((s) => s.heading.toLowerCase() === PAGES_HEADING);
  if (!section) {
    out.problems.push('index.md has no "## Pages" section: no page is registered');
    return out;
  }
  // The section's first line sits right after its heading.
  const headingLine = lines.findIndex((l) => l.trim().toLowerCase() === "## pages") + 2;
  const seen = new Map<string, number>();
  section.lines.forEach((raw, i) => {
    const line = headingLine + i;
    if (!/^[-*]\s/.test(raw)) return;
    const m = ENTRY.exec(raw.trim());
    if (!m) {
      out.problems.push(`index.md:${line}: a list item under "## Pages" is not [page-id](file.md)`);
      return;
    }
    const [, id, file, description] = m as unknown as [string, string, string, string];
    if (!KEBAB.test(id)) {
      out.problems.push(`index.md:${line}: page id "${id}" is not kebab-case`);
      return;
    }
    const bad = badEntryPath(file);
    if (bad) {
      out.problems.push(`index.md:${line}: ${file}: ${bad}`);
      return;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      out.problems.push(`index.md:${line}: page "${id}" is already registered on line ${first}`);
      return;
    }
    seen.set(id, line);
    out.entries.push({ id, file: posix.normalize(file), description: description.trim(), line });
  });
  return out;
}
