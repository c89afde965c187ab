#!/usr/bin/env node
/**
 * `multiarch-lab`: runs the bundled command line when it is current, else the compiled modules (same code, slower to
 * load). See bundle-stamp.ts.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundleEntry } from './bundle-stamp.js';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundled = process.env.MULTIARCH_LAB_CLI_UNBUNDLED === '1' ? undefined : freshBundleEntry(distDir);
await import(bundled ? pathToFileURL(bundled).href : './main.js');
