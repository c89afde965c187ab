import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Every process gets an argument array: no shells, no command strings.
const noShell = [
  { selector: "Property[key.name='shell'][value.value=true]", message: 'shell: true is forbidden: pass an argument array.' },
  { selector: "CallExpression[callee.property.name='execSync']", message: 'execSync runs a shell: use the exec module with an argument array.' },
  { selector: "CallExpression[callee.name='execSync']", message: 'execSync runs a shell: use the exec module with an argument array.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', ...noShell],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'child_process', importNames: ['exec', 'execSync'], message: 'exec/execSync run a shell: use spawn/execFile with an argument array.' },
            { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'exec/execSync run a shell: use spawn/execFile with an argument array.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // Raw ipcMain/ipcRenderer only inside the typed IPC adapter and the preload.
    files: ['electron/**/*.ts', 'electron/**/*.cts'],
    ignores: ['electron/main/ipc.ts', 'electron/preload/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...noShell,
        { selector: "ImportSpecifier[imported.name='ipcMain']", message: 'Use the typed IPC adapter in electron/main/ipc.ts.' },
        { selector: "ImportSpecifier[imported.name='ipcRenderer']", message: 'Only the preload talks to ipcRenderer.' },
      ],
    },
  },
);
