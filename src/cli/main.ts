/**
 * The `mcp-actors` command: runs the CLI on this process's arguments and exits with its code.
 * The only module of src/cli with side effects; everything else can be imported by tests.
 */
import { processIo } from './io.js';
import { run } from './run.js';

// A closed stdout (a reader that went away) is handled by the run; never a crash.
process.stdout.on('error', () => {});
const code = await run(process.argv.slice(2), processIo());
// Let stdout drain first (it may be a pipe), then exit even if some handle lingers.
if (process.stdout.writable) process.stdout.write('', () => process.exit(code));
else process.exit(code);
