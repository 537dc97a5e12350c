// @ts-check
/**
 * The allowed dependencies between the folders of the project, checked by `npm run lint`
 * (dependency-cruiser). docs/architecture.md explains them; this file is what enforces them.
 *
 * The layers of src/, lowest first. A module may import its own folder and the layers below it,
 * never one above; machines/ (the statecharts) sits under all of them and imports nothing of src/.
 * Where two folders share a level (transports and auth; node, inspector, testing and cli), the
 * table below orders them: auth lies under transports (a transport takes an OAuth client; auth
 * opens no transport), the inspector's records under node (which serves them), and the CLI on top,
 * a user of the public entry points; the package root imports no Node-only code.
 *
 * There is no list of known violations: what is reported is to be fixed, not recorded.
 */

/** Each layer of src/ and what it may import besides itself and machines/. */
const LAYERS = [
  { name: 'errors', may: [] },
  { name: 'protocol', may: ['errors'] },
  { name: 'wire', may: ['errors', 'protocol'] },
  { name: 'core', may: ['errors', 'protocol', 'wire'] },
  { name: 'auth', may: ['errors', 'protocol', 'wire', 'core'] },
  { name: 'transports', may: ['errors', 'protocol', 'wire', 'core', 'auth'] },
  { name: 'session', may: ['errors', 'protocol', 'wire', 'core', 'auth', 'transports'] },
  {
    // Several sessions under one supervising actor.
    name: 'group',
    may: ['errors', 'protocol', 'wire', 'core', 'auth', 'transports', 'session'],
  },
  {
    name: 'inspector',
    may: ['errors', 'protocol', 'wire', 'core', 'auth', 'transports', 'session', 'group'],
  },
  {
    name: 'testing',
    may: ['errors', 'protocol', 'wire', 'core', 'auth', 'transports', 'session'],
  },
  {
    name: 'node',
    may: [
      'errors',
      'protocol',
      'wire',
      'core',
      'auth',
      'transports',
      'session',
      'group',
      'inspector',
    ],
  },
  {
    // The Vercel AI SDK bridge (mcp-actors/ai-sdk): tools of a group or a session as AI SDK tools.
    name: 'ai-sdk',
    may: ['errors', 'protocol', 'wire', 'core', 'auth', 'transports', 'session', 'group'],
  },
  {
    // A user of the library: the entry points included, the test peer not.
    name: 'cli',
    may: [
      'errors',
      'protocol',
      'wire',
      'core',
      'auth',
      'transports',
      'session',
      'group',
      'inspector',
      'node',
      'ai-sdk',
      'index.ts',
    ],
  },
];

/** The path pattern of a layer, or of the package root. */
const pattern = (/** @type {string} */ layer) =>
  layer === 'index.ts' ? '^src/index[.]ts$' : `^src/${layer}/`;

/** Every folder of src/. */
const FOLDERS = LAYERS.map((l) => l.name);

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layerRules = LAYERS.map(({ name, may }) => ({
  name: `layer-${name}`,
  comment: `src/${name}/ may import only ${[name, ...may].map((l) => (l === 'index.ts' ? 'src/index.ts' : `src/${l}/`)).join(', ')} and machines/`,
  severity: 'error',
  from: { path: pattern(name) },
  to: { path: '^src/', pathNot: [name, ...may].map(pattern) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle anywhere, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'machines-import-no-src',
      comment: 'machines/ holds behaviour only: it imports nothing of src/',
      severity: 'error',
      from: { path: '^machines/' },
      to: { path: '^src/' },
    },
    ...layerRules,
    {
      name: 'layer-root-entry',
      comment:
        'src/index.ts is runtime-neutral: it imports no Node-only code, nor the CLI, the inspector, the test peer or the AI SDK bridge',
      severity: 'error',
      from: { path: '^src/index[.]ts$' },
      to: { path: '^src/(node|cli|inspector|testing|ai-sdk)/' },
    },
    {
      name: 'src-folders-known',
      comment: `a module of src/ lives in one of its folders (${FOLDERS.join(', ')}) or is src/index.ts`,
      severity: 'error',
      from: { path: '^src/', pathNot: [`^src/(${FOLDERS.join('|')})/`, '^src/index[.]ts$'] },
      to: {},
    },
    {
      name: 'node-builtins-only-in-node-and-cli',
      comment: 'Node built-ins are imported only under src/node/ and src/cli/ (never in machines/)',
      severity: 'error',
      from: { path: '^(src|machines)/', pathNot: '^src/(node|cli)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'library-not-tests-or-scripts',
      comment: 'src/ and machines/ import nothing of the tests, scripts, benchmarks or examples',
      severity: 'error',
      from: { path: '^(src|machines)/' },
      to: { path: '^(test|test-spec|scripts|bench|examples|tools)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import resolves (an unresolved one would escape every rule above); the build output that benchmarks import may not exist yet',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '(^|/)dist/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage)/|^test/fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    progress: { type: 'none' },
  },
};
