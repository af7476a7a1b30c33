/**
 * Generated code and configuration text for the redactor's benchmark: what a diff, a PR
 * body or a pasted config file looks like (Go, Makefiles, PHP, Java, XML, YAML, shell),
 * mostly clean, and at a given rate a line assigning a secret in one of the forms
 * gitleaks' rule tests use, or a vendor token with no keyword.
 */
import { chars, createRng, FAKE, pick, type Rng } from "./fake-secrets.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const NAMES = ["client", "retryCount", "baseUrl", "timeoutMs", "region", "bucket", "queueName"];

function token(rng: Rng, length: number): string {
  return `${chars(rng, ALNUM, length - 2)}${chars(rng, "0123456789", 2)}`;
}

/** Clean lines: code and config that holds no secret. */
export function cleanConfigLine(rng: Rng): string {
  const name = pick(rng, NAMES);
  switch (Math.floor(rng() * 8)) {
    case 0:
      return `\t${name} := cfg.Get("${name}") // ${chars(rng, "abcdefgh ", 24)}`;
    case 1:
      return `${name.toUpperCase()} ?= ${Math.floor(rng() * 1e4)}`;
    case 2:
      return `  <${name}>${chars(rng, "abcdefghijklmnop-", 12)}</${name}>`;
    case 3:
      return `$this->${name} .= "${chars(rng, "abcdefgh/", 16)}";`;
    case 4:
      return `    private static final String ${name.toUpperCase()} = "${chars(rng, "abcdef.", 10)}";`;
    case 5:
      return `${name}: ${pick(rng, ["true", "false", "eu-west-1", "30s"])}  # ${chars(rng, "abcdefg ", 20)}`;
    case 6:
      return `curl -sS -H "Accept: application/json" https://api.internal/${name}/${Math.floor(rng() * 1e6)}`;
    default:
      return `+import { ${name} } from "../${chars(rng, "abcdefgh", 8)}/${name}.ts";`;
  }
}

/** A line with a secret, in an assignment form or as a bare vendor token. */
export function secretConfigLine(rng: Rng): string {
  const name = `${pick(rng, ["api", "deploy", "github", "db"])}${pick(rng, ["Token", "Secret", "Password"])}`;
  switch (Math.floor(rng() * 8)) {
    case 0:
      return `\t${name} := "${token(rng, 32)}"`;
    case 1:
      return `${name.toUpperCase()} ::= "${token(rng, 32)}"`;
    case 2:
      return `  <${name}>${token(rng, 32)}</${name}>`;
    case 3:
      return `System.setProperty("${name.toUpperCase()}", "${token(rng, 32)}");`;
    case 4:
      return `var ${name} string = "${token(rng, 32)}"`;
    case 5:
      return `export NPM_CONFIG=${"npm"}_${token(rng, 36)}`;
    case 6:
      return `curl -u deploy:${token(rng, 20)} https://artifacts.internal/upload`;
    default:
      return `aws configure set key ${FAKE.awsSecretKey(rng)}`;
  }
}

/** About `targetBytes` of code and config lines, `secretRate` of them with a secret. */
export function generateConfigText(targetBytes: number, seed = 7, secretRate = 0.01): string {
  const rng = createRng(seed);
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const line = rng() < secretRate ? secretConfigLine(rng) : cleanConfigLine(rng);
    lines.push(line);
    bytes += line.length + 1;
  }
  return lines.join("\n");
}
