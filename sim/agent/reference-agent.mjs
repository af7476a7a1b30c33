#!/usr/bin/env node
/**
 * A deterministic stand-in for a coding agent, for the simulated world: IMPLEMENT runs it
 * like any configured agent command, in the worktree, with a brief file.
 *
 *   node sim/agent/reference-agent.mjs --fix <fix.json> --brief <brief> [--mode <mode>] [--delay-ms <n>]
 *
 * fix.json = { "files": { path: content }, "broken"?: { path: content } }. Modes:
 *   ok        writes the fix files (default)
 *   none      changes nothing
 *   timeout   starts a sleeping child, then sleeps itself forever (the process group must die)
 *   forbidden the fix plus a change under .github/workflows/
 *   break     the `broken` files if given, else the fix with a thrown error appended to its
 *             first file
 *   secret    the fix plus a file holding an AWS-access-key-shaped value
 *   outside   the fix plus a write to ../outside.txt (outside the worktree)
 *
 * --delay-ms waits that long before acting, like an agent thinking (a window in which a
 * test can kill the worker mid-IMPLEMENT).
 *
 * Prints one line per file it writes. Exit 2: bad arguments or a missing brief.
 * Plain Node, no dependencies.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, normalize } from "node:path";

const MODES = ["ok", "none", "timeout", "forbidden", "break", "secret", "outside"];

function fail(message) {
  process.stderr.write(`reference-agent: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { mode: "ok", delayMs: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`missing value for ${name}`);
    if (name === "--fix") args.fix = value;
    else if (name === "--brief") args.brief = value;
    else if (name === "--mode") args.mode = value;
    else if (name === "--delay-ms") args.delayMs = Number(value);
    else fail(`unknown argument ${name}`);
  }
  if (!args.fix) fail("--fix <fix.json> is required");
  if (!args.brief) fail("--brief <file> is required");
  if (!Number.isInteger(args.delayMs) || args.delayMs < 0) fail("--delay-ms: a whole number");
  if (!MODES.includes(args.mode)) fail(`unknown mode ${args.mode} (one of ${MODES.join(", ")})`);
  return args;
}

/** Writes a repository-relative file; the fix itself may not leave the worktree. */
function writeRepoFile(path, content) {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === ".." || clean.startsWith("../")) {
    fail(`fix path leaves the worktree: ${path}`);
  }
  mkdirSync(dirname(clean), { recursive: true });
  writeFileSync(clean, content);
  process.stdout.write(`wrote ${clean}\n`);
}

function writeAll(files) {
  for (const [path, content] of Object.entries(files)) writeRepoFile(path, content);
}

const args = parseArgs(process.argv.slice(2));
if (!existsSync(args.brief)) fail(`brief not found: ${args.brief}`);
let fix;
try {
  fix = JSON.parse(readFileSync(args.fix, "utf8"));
} catch (error) {
  fail(`cannot read fix ${args.fix}: ${error.message}`);
}
if (args.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, args.delayMs));
const files = fix && typeof fix.files === "object" && fix.files !== null ? fix.files : {};

switch (args.mode) {
  case "none":
    process.stdout.write("no change\n");
    break;
  case "timeout": {
    const sleeper = spawn(process.execPath, ["-e", "setInterval(() => {}, 60000)"], {
      stdio: "ignore",
    });
    process.stdout.write(`sleeper ${sleeper.pid}\n`);
    setInterval(() => {}, 60_000);
    break;
  }
  case "forbidden":
    writeAll(files);
    writeRepoFile(
      ".github/workflows/reference-agent.yml",
      "on: push\njobs:\n  noop:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo changed by the agent\n",
    );
    break;
  case "break": {
    if (fix.broken && typeof fix.broken === "object") {
      writeAll(fix.broken);
      break;
    }
    const entries = Object.entries(files);
    if (entries.length === 0) fail("break mode needs a fix file or `broken` files");
    const [[first, content], ...rest] = entries;
    writeRepoFile(first, `${content}\nthrow new Error("reference agent: broken on purpose");\n`);
    writeAll(Object.fromEntries(rest));
    break;
  }
  case "secret": {
    writeAll(files);
    // Built from parts so this source file itself holds no key-shaped literal.
    const key = ["AK", "IA", "R3V7W2QX", "9LMBKT4Z"].join("");
    writeRepoFile("config/deploy.env", `AWS_ACCESS_KEY_ID=${key}\nREGION=eu-west-1\n`);
    break;
  }
  case "outside":
    writeAll(files);
    writeFileSync("../outside.txt", "written outside the worktree\n");
    process.stdout.write("wrote ../outside.txt\n");
    break;
  default:
    writeAll(files);
}
