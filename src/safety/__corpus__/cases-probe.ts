/**
 * Cases from issue 18, item 10: shapes and assignment forms a black-box probe got past
 * the redactor, and what must stay next to them. Part of RECALL_CASES and KEEP_CASES.
 */
import type { KeepCase, RecallCase } from "./case-types.ts";
import { chars, createRng, FAKE } from "./fake-secrets.ts";

const rng = createRng(20261207);
const ghp = FAKE.githubClassic(rng);
const awsSecret2 = FAKE.awsSecretKey(rng);
const iban = FAKE.iban(rng);
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const token = (length: number) => `${chars(rng, ALNUM, length - 2)}${chars(rng, "0123456789", 2)}`;
const tok1 = token(24);
const tok2 = token(24);
const tok3 = token(24);
const tok4 = token(24);
const tok5 = token(24);
const tok6 = token(24);
const tok7 = token(24);
const openaiKey = `${"sk-"}proj-${token(120)}`;
const anthropicKey = `${"sk-"}ant-api03-${token(93)}AA`;
const npmToken = `${"npm"}_${token(36)}`;
const gitlabPat = `${"glpat"}-${token(20)}`;

export const PROBE_RECALL_CASES: RecallCase[] = [
  {
    name: "assignment forms: Go, Makefile, PHP, typed declarations, setProperty",
    text: [
      `apiToken := "${tok1}"`,
      `API_TOKEN ::= "${tok2}"`,
      `API_TOKEN ?= "${tok3}"`,
      `$apiToken .= "${tok4}"`,
      `var apiToken string = "${tok5}"`,
      `System.setProperty("API_TOKEN", "${tok6}")`,
    ].join("\n"),
    expect: { api_key: 6 },
    secrets: [tok1, tok2, tok3, tok4, tok5, tok6],
    keeps: ['API_TOKEN ::= "', 'var apiToken string = "', 'setProperty("API_TOKEN", "'],
  },
  {
    name: "a secret in an XML element, on its own line",
    text: `<apiToken>\n    ${tok7}\n</apiToken>`,
    expect: { api_key: 1 },
    secrets: [tok7],
    keeps: ["<apiToken>", "</apiToken>"],
  },
  {
    name: "vendor tokens with no keyword: OpenAI, Anthropic, npm, GitLab",
    text: `keys ${openaiKey} ${anthropicKey} ${npmToken} ${gitlabPat} pasted in chat`,
    expect: { api_key: 4 },
    secrets: [openaiKey, anthropicKey, npmToken, gitlabPat],
    keeps: ["pasted in chat"],
  },
  {
    name: "a token split by a zero-width space",
    text: `here: ${ghp.slice(0, 10)}\u200b${ghp.slice(10)}`,
    expect: { github_token: 1 },
    secrets: [ghp.slice(10)],
  },
  {
    name: "a bare AWS secret key with no keyword before it",
    text: `creds rotated, old one was ${awsSecret2} please revoke`,
    expect: { aws_secret_key: 1 },
    secrets: [awsSecret2],
    keeps: ["please revoke"],
  },
  {
    name: "US SSNs, dashed and labelled",
    text: "applicant 123-45-6789 verified; ssn: 234567891",
    expect: { ssn: 2 },
    secrets: ["123-45-6789", "234567891"],
    keeps: ["applicant ", " verified; ssn: "],
  },
  {
    name: "an IBAN in lower case without spaces",
    text: `refund to ${iban.toLowerCase()} queued`,
    expect: { iban: 1 },
    secrets: [iban.toLowerCase()],
  },
];

export const PROBE_KEEP_CASES: KeepCase[] = [
  {
    name: "commit SHAs, lower and upper case",
    text: "merged 3f786850e387550fdab836ed7e6dc881de23001b (3F786850E387550FDAB836ED7E6DC881DE23001B)",
  },
  {
    name: "placeholder credentials in docs",
    text: "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\napi_key: <your api key>\npassword: changeme",
  },
  { name: "not curl's -u", text: "docker run -u 1000:1000 app && sort -u names.txt" },
  { name: "ids that are not SSNs", text: "order 000-12-3456 build 2024-10-01 ref 666-12-3456" },
  { name: "a comparison is not an assignment", text: 'if token == "" { return }' },
  {
    name: "field names listed after a secret's name",
    text: '{"fields": ["password", "email"], "scopes": ["token", "read:org"]} getenv("API_TOKEN", "none")',
  },
  {
    name: "an emoji's zero-width joiner stays",
    text: "deploy by 👩\u200d💻 ok, family 👨\u200d👩\u200d👧",
  },
];
