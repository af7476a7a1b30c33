/**
 * The little markdown the wiki needs: frontmatter, `##`/`###` sections that ignore
 * headings inside fenced blocks, list items and fenced blocks. Deliberately not a full
 * CommonMark parser: pages are written to the format in wiki/README.md, and anything
 * this reader cannot place is reported, not guessed.
 */

interface Frontmatter {
  yaml: string;
  body: string;
  /** 1-based line of the body's first line in the file. */
  bodyLine: number;
}

/** Splits `---\n<yaml>\n---\n<body>`; undefined when the file does not open with one. */
export function splitFrontmatter(text: string): Frontmatter | undefined {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return undefined;
  const end = lines.findIndex((line, i) => i > 0 && line.trim() === "---");
  if (end < 0) return undefined;
  return {
    yaml: lines.slice(1, end).join("\n"),
    body: lines.slice(end + 1).join("\n"),
    bodyLine: end + 2,
  };
}

export interface Section {
  heading: string;
  /** Lines after the heading, up to the next heading of the same or a higher level. */
  lines: string[];
}

const FENCE = /^\s*(```+|~~~+)/;

/** Each line's "inside a fenced block" state (fence lines themselves count as inside). */
function fenceMask(lines: readonly string[]): boolean[] {
  const mask: boolean[] = [];
  let open: string | undefined;
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (open === undefined) {
      if (m) open = m[1]!;
      mask.push(m !== null);
    } else {
      mask.push(true);
      if (m && m[1]!.startsWith(open) && line.trim() === m[1]) open = undefined;
    }
  }
  return mask;
}

/** Sections at one heading level (`level` hashes), ignoring headings inside fences. */
export function splitSections(lines: readonly string[], level: 2 | 3): Section[] {
  const marker = `${"#".repeat(level)} `;
  const higher = level === 3 ? "## " : undefined;
  const inFence = fenceMask(lines);
  const sections: Section[] = [];
  let current: Section | undefined;
  lines.forEach((line, i) => {
    if (!inFence[i] && line.startsWith(marker)) {
      current = { heading: line.slice(marker.length).trim(), lines: [] };
      sections.push(current);
    } else if (!inFence[i] && higher !== undefined && line.startsWith(higher)) {
      current = undefined;
    } else {
      current?.lines.push(line);
    }
  });
  return sections;
}

/** Lines before the first heading of `level`, e.g. a subsection's intro prose. */
export function leadingLines(lines: readonly string[], level: 2 | 3): string[] {
  const marker = `${"#".repeat(level)} `;
  const inFence = fenceMask(lines);
  const end = lines.findIndex((line, i) => !inFence[i] && line.startsWith(marker));
  return end < 0 ? [...lines] : lines.slice(0, end);
}

interface FencedBlock {
  info: string;
  content: string;
}

/** Fenced blocks in order, with their info string (` ```yaml ` → "yaml"). */
export function fencedBlocks(lines: readonly string[]): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { fence: string; info: string; content: string[] } | undefined;
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (open === undefined) {
      if (m) open = { fence: m[1]!, info: line.trim().slice(m[1]!.length).trim(), content: [] };
    } else if (m && m[1]!.startsWith(open.fence) && line.trim() === m[1]) {
      blocks.push({ info: open.info, content: open.content.join("\n") });
      open = undefined;
    } else {
      open.content.push(line);
    }
  }
  if (open) blocks.push({ info: open.info, content: `${open.content.join("\n")}\n<unclosed>` });
  return blocks;
}

/** Prose outside fences, blockquotes and headings, joined into one paragraph of text. */
export function proseOf(lines: readonly string[]): string {
  const inFence = fenceMask(lines);
  return lines
    .filter((line, i) => !inFence[i] && !line.startsWith("#") && !line.trimStart().startsWith(">"))
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ");
}

const ITEM = /^[-*]\s+(.*)$/;

/**
 * Top-level list items; an indented line continues the item above it. Nested items are
 * folded into their parent. Text outside lists is ignored.
 */
export function listItems(lines: readonly string[]): string[] {
  const inFence = fenceMask(lines);
  const items: string[][] = [];
  let current: string[] | undefined;
  lines.forEach((line, i) => {
    if (inFence[i]) return;
    const top = ITEM.exec(line);
    if (top) {
      current = [top[1]!.trim()];
      items.push(current);
    } else if (current && /^\s+\S/.test(line)) {
      current.push(line.trim().replace(ITEM, "$1"));
    } else if (line.trim() !== "") {
      // Unindented prose ends the item; a blank line alone does not.
      current = undefined;
    }
  });
  return items.map((parts) => parts.join(" ")).filter((item) => item !== "");
}
