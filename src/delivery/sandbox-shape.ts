/** What a sandboxed command may see and do (sandbox.ts builds it, both backends read it). */
export interface SandboxShape {
  /** Directories the child may write (its repository, home and temp). */
  writable: readonly string[];
  /** Paths shown read-only even when under a hidden directory (the run directory, files the template names). */
  readable: readonly string[];
  /** Directories hidden besides the policy's (the worktree root: other runs). */
  hidden: readonly string[];
  network: boolean;
  cwd: string;
}
