import { type ChildProcess, spawn } from "node:child_process";

export interface FixtureProcess {
  child: ChildProcess;
  /** Resolves once the process printed `word` on stdout; rejects if it exits first. */
  saw(word: string): Promise<void>;
  /** Resolves to the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript fixture (e.g. a worker) in a process of its own with `tsx`, its stdout
 * collected for {@link FixtureProcess.saw} and its stderr passed through.
 */
export function spawnFixture(file: string, args: string[]): FixtureProcess {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const saw = (word: string) =>
    new Promise<void>((resolve, reject) => {
      // Added after the collecting listener, so `out` already holds the chunk.
      const check = () => {
        if (!out.includes(word)) return;
        child.stdout?.off("data", check);
        resolve();
      };
      child.stdout?.on("data", check);
      void exited.then(() =>
        out.includes(word) ? resolve() : reject(new Error(`${file} exited before ${word}: ${out}`)),
      );
      check();
    });
  return { child, saw, exited };
}
