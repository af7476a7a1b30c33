import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/prode.mjs", import.meta.url));

/**
 * One prode process (`prode web` or `prode worker`, the production wiring) under a
 * supervisor like systemd's Restart=on-failure or Fly's restart policy: an exit the
 * suite did not ask for is counted and the process started again after `restartMs`.
 * Its stdout and stderr (JSON log lines) go to `logFile`.
 */
export class Supervised {
  readonly name: string;
  restarts = 0;
  /** Exit codes of the exits nobody asked for (70: a fatal error, null: a signal). */
  readonly crashes: (number | null)[] = [];
  #child: ChildProcess | undefined;
  #stopping = false;
  readonly #args: string[];
  readonly #env: NodeJS.ProcessEnv;
  readonly #log: WriteStream;
  readonly #restartMs: number;
  #up!: Promise<void>;
  #markUp: () => void = () => {};

  constructor(options: {
    name: string;
    args: string[];
    env: NodeJS.ProcessEnv;
    logFile: string;
    restartMs?: number;
  }) {
    this.name = options.name;
    this.#args = options.args;
    this.#env = options.env;
    this.#log = createWriteStream(options.logFile, { flags: "a" });
    this.#restartMs = options.restartMs ?? 500;
    this.#expectUp();
  }

  #expectUp(): void {
    this.#up = new Promise<void>((resolve) => {
      this.#markUp = resolve;
    });
  }

  /** Starts the process; resolves once one of its incarnations said it is up. */
  start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, ...this.#args], {
      env: this.#env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    child.stderr?.pipe(this.#log, { end: false });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#log.write(chunk);
      out += chunk.toString();
      if (/listening on|running/.test(out)) this.#markUp();
    });
    child.once("exit", (code) => {
      if (this.#stopping || this.#child !== child) return;
      this.crashes.push(code);
      this.restarts += 1;
      this.#expectUp();
      setTimeout(() => {
        if (!this.#stopping) void this.start();
      }, this.#restartMs);
    });
    return this.#up;
  }

  /** SIGKILL, as an OOM killer or a lost machine would; the supervisor restarts it. */
  kill(): void {
    this.#child?.kill("SIGKILL");
  }

  /** SIGSTOP / SIGCONT: pauses the process without an exit (the ladder measures intake alone). */
  signal(signal: "SIGSTOP" | "SIGCONT"): void {
    this.#child?.kill(signal);
  }

  /** Waits until the current incarnation said it is up. */
  ready(): Promise<void> {
    return this.#up;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      });
    }
    this.#log.end();
  }
}
