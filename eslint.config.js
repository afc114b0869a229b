// Lint rules, including the layering of DESIGN.md's "shape of the code":
//   src/core      pure: no I/O, no clock, no randomness, no globals, imports nothing outside core
//   src/adapters  may use core; one adapter never imports another (the composition root wires them)
//   src/app       the running server (config, HTTP edge, lifecycle): wires core and adapters
//   src/cli       commands: may import anything
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'http', 'https', 'net', 'child_process', 'worker_threads', 'process', 'timers', 'timers/*', 'crypto', 'dgram', 'stream', 'url', 'zlib'];

// eslint-disable-next-line no-restricted-syntax -- ESLint reads the default export of its config file
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Named exports only (STYLE.md).' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'src/core is pure: no I/O or platform modules. Put this in an adapter.' },
          { group: ['**/adapters/**', '**/cli/**', '**/app/**'], message: 'src/core must not import adapters, the app layer or the CLI.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/core has no globals: pass configuration in.' },
        { name: 'setTimeout', message: 'src/core has no clock: time comes in with the data.' },
        { name: 'setInterval', message: 'src/core has no clock: time comes in with the data.' },
        { name: 'fetch', message: 'src/core does no I/O.' },
        { name: 'console', message: 'src/core does no I/O: return values, let adapters log.' },
        { name: 'Buffer', message: 'src/core is platform-neutral: use Uint8Array.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'src/core has no clock: time comes in with the data.' },
        { object: 'Math', property: 'random', message: 'src/core is deterministic: take a seeded generator as input.' },
        { object: 'performance', property: 'now', message: 'src/core has no clock.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only (STYLE.md).' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/core has no clock: time comes in with the data.' },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./[^.][^/]*/', message: 'An adapter must not import another adapter; wire them in the composition root (src/cli).' },
          { regex: '(^|/)cli/', message: 'Adapters must not import the CLI.' },
          { regex: '(^|/)app/', message: 'Adapters must not import the app layer; the app wires adapters, not the other way round.' },
          { regex: '/core/[^/]+/(?!index\\.js$)[^/]+$', message: 'Import core folders through their index.ts, not deep files.' },
        ],
      }],
    },
  },
  {
    // The web dashboard runs in the browser: browser globals; the src/ layering rules do not apply.
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', localStorage: 'readonly', fetch: 'readonly', getComputedStyle: 'readonly', ResizeObserver: 'readonly', URLSearchParams: 'readonly', TextDecoderStream: 'readonly', CustomEvent: 'readonly', HTMLElement: 'readonly' } },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
