/**
 * REVIEW's second secret scan: prode's own configured secrets, looked for by value in
 * what the agent wrote. The redactor recognises secrets by their shape; a coding agent
 * that got hold of prode's environment (security probe F0: base64 of `SLACK_BOT_TOKEN=…`
 * in a "fixture" file) wrote them in a shape it does not know. Here every value is looked
 * for as is and in the encodings an exfiltration would use: base64 (standard and
 * URL-safe, at each of the three byte alignments, so a value inside a longer base64 blob
 * is found too), hex, URL encoding and JSON escaping; a multi-line value (a PEM key) also
 * line by line.
 *
 * The values never leave this module: findings name the variable, the encoding and the
 * line, and the holder prints as `**********`.
 */
import { Secret } from "../config/index.ts";
import type { DiffFile, ReviewFinding } from "./types.ts";

/** Shorter values would match by chance; none of prode's credentials is this short. */
const MIN_VALUE = 8;
/** A line of a multi-line secret worth looking for on its own (a PEM body line is 64). */
const MIN_LINE = 24;
/** Shortest encoded form searched (a base64 core of the shortest value is 8). */
const MIN_NEEDLE = 8;

interface Needle {
  name: string;
  form: string;
  text: string;
}

/** A configured secret: its variable's name and its value. */
export interface OwnSecret {
  name: string;
  value: string;
}

/** prode's own secret values, in every form REVIEW looks for them. Prints as `**********`. */
export class OwnSecrets {
  readonly #needles: Needle[];

  constructor(secrets: readonly OwnSecret[]) {
    const seen = new Set<string>();
    this.#needles = [];
    for (const { name, value } of secrets) {
      for (const needle of needlesOf(name, value)) {
        if (needle.text.length < MIN_NEEDLE || seen.has(needle.text)) continue;
        seen.add(needle.text);
        this.#needles.push(needle);
      }
    }
  }

  /** Every `Secret` in a loaded config, and the password of every URL in it that has one. */
  static fromConfig(config: unknown): OwnSecrets {
    return new OwnSecrets(secretsIn(config));
  }

  get size(): number {
    return this.#needles.length;
  }

  /** Where `text` holds a form of a secret that `base` does not: name, form and 1-based line. */
  find(text: string, base = ""): { name: string; form: string; line: number }[] {
    const out: { name: string; form: string; line: number }[] = [];
    for (const n of this.#needles) {
      const at = text.indexOf(n.text);
      if (at < 0 || base.includes(n.text)) continue;
      out.push({ name: n.name, form: n.form, line: lineAt(text, at) });
    }
    return out;
  }

  toString(): string {
    return "**********";
  }
  toJSON(): string {
    return "**********";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "**********";
  }
}

/** The review findings for one changed file: one blocking finding per secret found. */
export function ownSecretFindings(
  secrets: OwnSecrets | undefined,
  file: DiffFile,
  path: string,
  base: string | undefined,
): ReviewFinding[] {
  if (!secrets || secrets.size === 0 || file.content === null || file.binary === true) return [];
  const byName = new Map<string, { forms: Set<string>; lines: Set<number> }>();
  for (const hit of secrets.find(file.content, base ?? "")) {
    const entry = byName.get(hit.name) ?? { forms: new Set(), lines: new Set() };
    entry.forms.add(hit.form);
    entry.lines.add(hit.line);
    byName.set(hit.name, entry);
  }
  return [...byName].map(([name, { forms, lines }]) => ({
    rule: "secret",
    severity: "blocking",
    message: `the diff holds the value of prode's own ${name} (${[...forms].join(", ")}) at line ${[...lines].sort((a, b) => a - b).join(", ")}: treat it as leaked and rotate it`,
    path,
  }));
}

/**
 * A short run of letters is a word, not a credential (a database password `postgres`):
 * looking for it would block every diff that names the database.
 */
const WORD = /^[A-Za-z]{1,15}$/;

function needlesOf(name: string, value: string): Needle[] {
  if (value.length < MIN_VALUE || WORD.test(value)) return [];
  const parts = [value];
  if (value.includes("\n")) {
    // A PEM key re-wrapped or cut still shares its body lines; the armour lines are public.
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_LINE && !trimmed.startsWith("-----")) parts.push(trimmed);
    }
  }
  const out: Needle[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, "utf8");
    out.push({ name, form: "as is", text: part });
    const url = encodeURIComponent(part);
    if (url !== part) out.push({ name, form: "URL-encoded", text: url });
    const json = JSON.stringify(part).slice(1, -1);
    if (json !== part) out.push({ name, form: "JSON-escaped", text: json });
    out.push({ name, form: "hex", text: bytes.toString("hex") });
    out.push({ name, form: "hex", text: bytes.toString("hex").toUpperCase() });
    // The value starts at one of three offsets of a base64 group; from the first whole
    // group on, its encoding is fixed whatever came before it.
    for (let skip = 0; skip < 3; skip++) {
      const rest = bytes.subarray(skip);
      const whole = rest.subarray(0, rest.length - (rest.length % 3));
      if (whole.length === 0) continue;
      out.push({ name, form: "base64", text: whole.toString("base64") });
      out.push({ name, form: "base64", text: whole.toString("base64url") });
    }
  }
  return out;
}

function secretsIn(config: unknown, name = "", depth = 0, out: OwnSecret[] = []): OwnSecret[] {
  if (depth > 4 || config === null || config === undefined) return out;
  if (config instanceof Secret) {
    out.push({ name, value: config.reveal() });
    const password = urlPassword(config.reveal());
    if (password) out.push({ name: `${name} password`, value: password });
    return out;
  }
  if (typeof config === "string") {
    const password = urlPassword(config);
    if (password) out.push({ name: `${name} password`, value: password });
    return out;
  }
  if (typeof config !== "object") return out;
  for (const [key, value] of Object.entries(config)) secretsIn(value, key, depth + 1, out);
  return out;
}

function urlPassword(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(text)) return undefined;
  try {
    const password = decodeURIComponent(new URL(text).password);
    return password || undefined;
  } catch {
    return undefined;
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
