/**
 * The `mcp-actors` command: runs the CLI on this process's arguments and exits with its code.
 * The only module of src/cli with side effects; everything else can be imported by tests.
 */
import { processIo, run } from './run.js';

const code = await run(process.argv.slice(2), processIo());
// Let stdout drain before exiting (it may be a pipe), then exit even if a handle lingers.
process.stdout.write('', () => process.exit(code));
