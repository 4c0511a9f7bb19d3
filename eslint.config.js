// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'web/dist/**',
      'data/**',
      'tmp/**',
      '.tw-cluster/**',
      'bench/results/**',
      'deploy/**/templates/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'List exports explicitly (STYLE.md #13).' },
      ],
    },
  },
  {
    // core is pure domain: it may not import vendor libraries (STYLE.md #2).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'fastify',
                '@fastify/*',
                'bullmq',
                'ioredis',
                'pg',
                'kysely',
                '@electric-sql/*',
                'prom-client',
                'pino',
                'ws',
              ],
              message: 'core imports only ports and shared helpers.',
            },
            {
              group: ['**/adapters/**', '**/api/**', '**/runtime/**', '**/worker/**', '**/extensions/**'],
              message: 'core must not depend on outer layers.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only src/config reads the environment (STYLE.md #5).
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through src/config.' },
      ],
    },
  },
);
