#!/usr/bin/env node
// The package bin: runs the TypeScript entry point through tsx's ESM loader, so the
// CLI needs no build step (one codebase, one image).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
