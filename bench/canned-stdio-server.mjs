// A canned MCP server over stdio for the benchmarks: the in-process responder of link.mjs, with
// the process's stdin and stdout as its link. It costs the server side next to nothing, so what a
// benchmark against it measures is the client and the pipes.

import { startResponder } from './link.mjs';

startResponder({
  write(chunk) {
    process.stdout.write(chunk);
  },
  set onData(fn) {
    process.stdin.on('data', fn);
  },
});
process.stdin.on('end', () => process.exit(0));
