/**
 * Probe issue 19, F2: text cut before it was redacted leaked the head of a key
 * (`AKIAZ7QSENTR…`). Whatever the order — cut then redact, or redact then cut — and
 * whichever cutter prode uses, no piece of a prefixed credential of 8 characters or more
 * (beyond its public vendor prefix) may survive.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clipText, clipText as clipUntrusted } from "../../specialists/clip.ts";
import { chars, createRng, FAKE, type Rng } from "./__corpus__/fake-secrets.ts";
import { redact } from "./redact.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Prefixed credentials, each with the length of its public prefix. */
const CANARIES: readonly ((r: Rng) => [secret: string, prefix: number])[] = [
  (r) => [FAKE.awsAccessKeyId(r), 4],
  (r) => [FAKE.githubClassic(r), 4],
  (r) => [FAKE.githubFineGrained(r), 11],
  (r) => [FAKE.slackBotToken(r), 5],
  (r) => [FAKE.linearApiKey(r), 8],
  (r) => [FAKE.googleApiKey(r), 4],
  (r) => [`${"sk_live_"}${chars(r, ALNUM, 24)}`, 8],
  (r) => [`${"glpat-"}${chars(r, ALNUM, 20)}`, 6],
];

/** The cutters: plain slices with each mark prode or a provider writes, and ours. */
const CUTTERS: readonly [name: string, cut: (text: string, keep: number) => string][] = [
  ["slice + …", (t, k) => (t.length > k ? `${t.slice(0, k)}…` : t)],
  ["slice + ...", (t, k) => (t.length > k ? `${t.slice(0, k)}...` : t)],
  [
    "slice + …[n chars truncated]",
    (t, k) => (t.length > k ? `${t.slice(0, k)}…[${t.length - k} chars truncated]` : t),
  ],
  ["clipUntrusted", (t, k) => clipUntrusted(t, k)],
  ["specialists' clipText", (t, k) => clipText(t, k)],
];

const words = fc.array(
  fc.constantFrom("error", "at", "db.internal/app", "user=42", "TypeError:", "(reading 'plan')"),
  {
    maxLength: 6,
  },
);
const before = fc.constantFrom(" ", " token=", ' "', " url=https://x.example/?k=", "\t");
/** A separator always follows: a credential glued to a word is not a token of its own. */
const after = fc.constantFrom(" ", '" ', ", ", "\n", "&x=1 ");

const scenario = fc.record({
  head: words.map((w) => w.join(" ")),
  before,
  canary: fc.tuple(fc.integer({ min: 0, max: CANARIES.length - 1 }), fc.integer()),
  after,
  tail: words.map((w) => w.join(" ")),
  cutAt: fc.nat({ max: 400 }),
});

describe("truncation never leaks the head of a credential", () => {
  it.each(CUTTERS)("%s, before and after redaction", (_name, cut) => {
    fc.assert(
      fc.property(scenario, ({ head, before: b, canary: [which, seed], after: a, tail, cutAt }) => {
        const [secret, prefix] = CANARIES[which]!(createRng(seed));
        const text = `${head}${b}${secret}${a}${tail}`;
        const keep = cutAt % (text.length + 1);
        const piece = secret.slice(0, Math.max(8, prefix + 1));
        expect(redact(cut(text, keep)).text).not.toContain(piece);
        expect(cut(redact(text).text, keep)).not.toContain(piece);
      }),
      { numRuns: 400 },
    );
  });

  it("a cut inside a token drops the whole token, and never half a surrogate pair", () => {
    expect(clipUntrusted("value AKIAIOSFODNN7EXAMPLE tail", 14)).toBe("value …");
    expect(clipText("value AKIAIOSFODNN7EXAMPLE tail", 14)).toBe("value …");
    expect(clipText("short", 10)).toBe("short");
    expect(clipText("two words here", 9)).toBe("two words…");
    expect(clipText("emoji 😀 here", 7)).toBe("emoji …");
  });
});
