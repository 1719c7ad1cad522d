// Type-aware lint. Node globals are off in the renderer; the renderer may not import main code.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'drizzle/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'src/main/**/*.ts',
      'src/preload/**/*.ts',
      'tests/**/*.ts',
      'scripts/**/*.{ts,mjs}',
      '*.config.{ts,mjs}',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', 'electron', 'node:*'],
              message: 'The renderer talks to main only through the API.',
            },
          ],
        },
      ],
    },
  },
  // Layers: Electron only in the desktop entry, the IPC transport and the preload; services never
  // reach up into the API layer, the transports or the composition root.
  {
    files: ['src/main/**/*.ts', 'src/shared/**/*.ts'],
    ignores: [
      'src/main/index.ts',
      'src/main/transport/electron-ipc.ts',
      'src/main/transport/electron-ipc.test.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src/main/index.ts, the IPC transport and the preload touch Electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/services/**/*.ts'],
    ignores: ['src/main/services/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Services are plain Node: no Electron.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+(api|transport)/',
              message:
                'Services never import the dispatcher, sessions or transports; shared types live in src/main/lib.',
            },
            {
              regex: '^(\\.\\./){2,}app/compose',
              message: 'Services do not import the composition root; it imports them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/shared runs on both sides: no Electron.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+(main|renderer|preload)/',
              message: 'src/shared imports nothing from main, renderer or preload.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
