import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Every directory outside the pure core: src/core must not import any of them (STYLE.md §1).
const OUTER_DIRS = ['data', 'strategy', 'backtest', 'exchange', 'sim', 'bot', 'store', 'web', 'cli', 'notify'];

/**
 * Fences between outer layers (issue 12, item 7): what each directory of src must not import, and why.
 * Type-only and dynamic imports count too: a type is how a dependency starts.
 */
const FENCES = [
  { dir: 'web', banned: ['exchange', 'bot', 'sim'], why: 'the dashboard cannot trade: src/web reads the store only' },
  { dir: 'bot', banned: ['backtest', 'sim'], why: 'the bot trades through the exchange port, never the backtest or the simulator' },
  { dir: 'backtest', banned: ['bot', 'exchange', 'store'], why: 'the backtest is pure candles in, results out: no bot, exchange or store' },
  { dir: 'optimize', banned: ['bot', 'exchange', 'store', 'web'], why: 'the optimizer is candles in, scores out: it never trades, and the CLI wires its database and report' },
  { dir: 'exchange', banned: ['sim'], why: 'the exchange adapters must not depend on the simulator (it is the other way round)' },
  { dir: 'notify', banned: ['exchange', 'sim', 'backtest', 'bot', 'web'], why: 'notifications read the store and tell: they never trade, reach the exchange or drive the bot' },
];

/** One config block per fence: static, re-exported and dynamic imports of a banned directory are errors. */
function fenceBlock({ dir, banned, why }) {
  const alt = banned.join('|');
  return {
    files: [`src/${dir}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: banned.map((d) => `**/${d}/**`), message: `src/${dir} must not import src/{${banned.join(',')}}: ${why}.` }] }],
      'no-restricted-syntax': [
        'error',
        { selector: `ImportExpression[source.value=/(^|\\/)(${alt})\\//]`, message: `src/${dir} must not import src/{${banned.join(',')}}: ${why}.` },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'test-results/**', '**/*.bundle.js', 'src/web/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The pure core: no I/O, no clock, no randomness, no outer layers.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto'], message: 'src/core is pure: no Node I/O modules.' },
            { group: ['ccxt', 'pino', 'better-sqlite3', 'playwright-core'], message: 'src/core is pure: no exchange, log or storage libraries.' },
            { group: OUTER_DIRS.map((d) => `**/${d}/**`), message: 'src/core must not depend on outer layers.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time is an input in the core.' },
        { object: 'Math', property: 'random', message: 'No randomness in the core.' },
        { object: 'performance', property: 'now', message: 'Time is an input in the core.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time is an input in the core: no new Date().' },
      ],
      'no-restricted-globals': ['error', 'process', 'console', 'setTimeout', 'setInterval', 'fetch', 'require'],
    },
  },
  ...FENCES.map(fenceBlock),
);
