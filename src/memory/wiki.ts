import { readdir, readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Wiki, WikiEntry, WikiIndexEntry } from "./types.ts";
import { INDEX_FILE, parseWikiIndex } from "./wiki-index.ts";
import { parseWikiPage } from "./wiki-page.ts";

/**
 * The PRODE Wiki: routing memory for READ_PRODE_WIKI (DESIGN.md, "Memory"). Loading is
 * the only I/O; selection and the usage record are pure (wiki-select.ts). A broken
 * page never fails a run: it is recorded as skipped (or absent) with the reason, and
 * the run goes on without it.
 */

export type * from "./types.ts";
export { parseWikiPage } from "./wiki-page.ts";
export {
  hintsFor,
  recordHintsForRoute,
  recordWikiUse,
  selectWikiPages,
  type WikiTicketSignals,
} from "./wiki-select.ts";

/** Pages larger than this are refused: a page is a checklist, not a dump. */
const MAX_PAGE_BYTES = 256 * 1024;
/** Files in the wiki directory that are documentation, not pages. */
const NOT_PAGES = new Set([INDEX_FILE, "README.md"]);

interface LoadWikiOptions {
  /** How page paths are shown in memory and handoffs; default "wiki". */
  displayDir?: string;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? "unknown";
}

async function loadEntry(
  dir: string,
  entry: WikiIndexEntry,
  displayDir: string,
): Promise<WikiEntry> {
  const path = posix.join(displayDir, entry.file);
  let text: string;
  try {
    const info = await stat(join(dir, entry.file));
    if (!info.isFile()) {
      return { kind: "malformed", entry, path, reason: "registered path is not a file" };
    }
    if (info.size > MAX_PAGE_BYTES) {
      return {
        kind: "malformed",
        entry,
        path,
        reason: `page is ${info.size} bytes, over the ${MAX_PAGE_BYTES}-byte limit`,
      };
    }
    text = await readFile(join(dir, entry.file), "utf8");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "absent", entry, path };
    return { kind: "malformed", entry, path, reason: `cannot read the page (${code})` };
  }
  const parsed = parseWikiPage(text, path);
  if (!parsed.ok) return { kind: "malformed", entry, path, reason: parsed.reason };
  if (parsed.page.id !== entry.id) {
    return {
      kind: "malformed",
      entry,
      path,
      reason: `frontmatter id "${parsed.page.id}" does not match its index entry "${entry.id}"`,
    };
  }
  return { kind: "page", entry, page: parsed.page };
}

async function markdownFiles(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const item of await readdir(join(dir, prefix), { withFileTypes: true })) {
    if (item.name.startsWith(".")) continue;
    const rel = prefix === "" ? item.name : posix.join(prefix, item.name);
    if (item.isDirectory()) found.push(...(await markdownFiles(dir, rel)));
    else if (item.isFile() && item.name.endsWith(".md")) found.push(rel);
  }
  return found.sort();
}

/**
 * Page files in the wiki directory that `wiki`'s index.md does not register: a run never
 * reads them, so only checks of the wiki itself walk the directory for them.
 */
export async function unregisteredFiles(
  dir: string,
  wiki: Wiki,
  displayDir = "wiki",
): Promise<string[]> {
  const registered = new Set(wiki.entries.map((e) => e.entry.file));
  return (await markdownFiles(dir))
    .filter((f) => !NOT_PAGES.has(f) && !registered.has(f))
    .map((f) => posix.join(displayDir, f));
}

/**
 * Loads `index.md` and every page it registers. Never throws for content: a missing
 * index, a bad entry, an unreadable or malformed page are reported in the result.
 */
export async function loadWiki(dir: string, options: LoadWikiOptions = {}): Promise<Wiki> {
  const displayDir = options.displayDir ?? "wiki";
  const indexPath = posix.join(displayDir, INDEX_FILE);
  let indexText: string;
  try {
    indexText = await readFile(join(dir, INDEX_FILE), "utf8");
  } catch (error) {
    return {
      indexPath,
      entries: [],
      problems: [`${indexPath} cannot be read (${errorCode(error)})`],
    };
  }
  const index = parseWikiIndex(indexText);
  const entries = await Promise.all(index.entries.map((e) => loadEntry(dir, e, displayDir)));
  return { indexPath, entries, problems: index.problems };
}
