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

// No shells anywhere: the base of every no-restricted-imports rule below (a later block replaces the rule whole).
const noShellImports = [
  { name: 'child_process', importNames: ['exec', 'execSync'], message: 'exec/execSync run a shell: use spawn/execFile with an argument array.' },
  { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'exec/execSync run a shell: use spawn/execFile with an argument array.' },
];

// What of core/ the renderer may import: the contract and the pure shared modules (no Node, no engine access).
const PURE_CORE = ['contract/', 'commands/', 'platform.js', 'format-bytes.js', 'docker/labels.js', 'docker/parsers/buildx-version.js', 'registry/reference.js', 'tutorial/progress.js'];
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pureAlternatives = PURE_CORE.map(escape).join('|');

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
      'no-restricted-imports': ['error', { paths: noShellImports }],
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
  {
    // The renderer reaches core through the contract and the pure shared modules only; the rest runs in Node.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noShellImports,
          patterns: [
            {
              regex: `(^|/)core/(?!(${pureAlternatives}))`,
              message: `The renderer may import from core/ only ${PURE_CORE.join(', ')}: everything else runs in Node behind the contract.`,
            },
          ],
        },
      ],
    },
  },
  {
    // core/ is a Node library shared by three fronts: no Electron, no React, no DOM.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...noShellImports,
            ...['electron', 'react', 'react-dom', 'zustand'].map((name) => ({ name, message: 'core/ runs without Electron, React or a DOM: keep it in electron/ or renderer/.' })),
          ],
          patterns: [
            { group: ['electron/*', 'react/*', 'react-dom/*', '**/renderer/**', '**/electron/**', '**/server/**', '**/cli/**'], message: 'core/ does not reach into a front: the fronts import core, never the other way.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement'].map((name) => ({ name, message: 'core/ has no DOM.' }))],
    },
  },
  {
    // The pure shared modules are bundled into the renderer too: no Node built-ins, no engine, no other core room.
    files: ['core/contract/**/*.ts', 'core/commands/**/*.ts', 'core/platform.ts', 'core/format-bytes.ts', 'core/docker/labels.ts', 'core/docker/parsers/buildx-version.ts', 'core/registry/reference.ts', 'core/tutorial/progress.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['electron', 'react', 'react-dom', 'dockerode', 'ws', 'commander'].map((name) => ({ name, message: 'A pure shared module imports nothing that needs Node or a front.' })),
          ],
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https'], message: 'A pure shared module runs in the renderer too: no Node built-ins.' },
            {
              // relative imports that leave the folder must land on another pure module (core/ is at most two levels deep here)
              regex: `^(\\.\\./)+(?!(${pureAlternatives}))`,
              message: `A pure shared module imports only other pure ones (${PURE_CORE.join(', ')}).`,
            },
          ],
        },
      ],
    },
  },
);
