#!/usr/bin/env node
// The mcp-actors command. The CLI is built into dist/bundle by `npm run build`.
import '../dist/bundle/src/cli/main.js';
