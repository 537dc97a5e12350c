// Loads the protocol schemas once before the tests: sessions load them on first connect, and
// the tests step sessions with microtask flushes, which a module load (file I/O) would outrun.
import { loadSchemas } from '../src/index.js';

await loadSchemas();
