#!/usr/bin/env bash
# CI's redaction lint over the PRODE Wiki and the learning inbox (DESIGN.md, Memory).
# With no arguments it checks wiki/ and docs/learnings/; pass paths (relative to the
# repository root, or absolute) to check others.
# Exit status: 0 clean, 1 findings (printed as file:line: category), 2 usage error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec npx tsx src/main.ts lint-redaction "$@"
