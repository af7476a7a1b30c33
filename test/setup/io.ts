import { PassThrough } from "node:stream";
import type { CliIo } from "../../src/cli/command.ts";

/** In-memory stdio for running CLI commands inside a test. */
export function memoryIo(stdin = ""): CliIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const input = new PassThrough();
  input.end(stdin);
  return { stdout, stderr, stdin: input, out: () => out, err: () => err };
}

/** Runs a `prode` command with in-memory stdio; returns its exit code and output. */
export async function runCliCaptured(argv: string[], stdin = "") {
  const { runCli } = await import("../../src/cli/run-cli.ts");
  const io = memoryIo(stdin);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
