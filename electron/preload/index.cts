/**
 * The sandboxed preload: CommonJS because sandboxed preloads cannot be ES modules, and it may
 * require nothing but 'electron'. It exposes exactly invoke, cancel, on and platform; ipcRenderer itself
 * never reaches the page. Calls travel as the contract's messages ({type:'invoke', id, …} and
 * {type:'cancel', id}); the main process validates them.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS: this is its only import
import electron = require('electron');
import type { Envelope } from '../../core/contract/envelope.js';
import type { EventName } from '../../core/contract/events.js';
import type { PreloadApi, PreloadPlatform } from './api.js';

const INVOKE_CHANNEL = 'multiarch-lab:invoke';
const CANCEL_CHANNEL = 'multiarch-lab:cancel';
const EVENT_CHANNEL = 'multiarch-lab:event';

// Copied from core/contract/events.ts because the sandbox cannot load it; the two checks below
// make the type checker fail if the lists ever drift apart.
const EVENT_NAMES = ['task:update', 'engine:status', 'engine:changed', 'build:log', 'build:progress', 'engine:swept'] as const satisfies readonly EventName[];
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
const everyEventListed: [Missing] extends [never] ? true : Missing = true;
void everyEventListed;

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
let forwarding = false;

function isKnownEvent(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

function startForwarding(): void {
  if (forwarding) return;
  forwarding = true;
  // one IPC listener fans out to the page's subscribers; the IPC event object stays here
  electron.ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
    if (!isKnownEvent(name)) return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error('[multiarch-lab] event listener failed:', error);
      }
    }
  });
}

const api: PreloadApi = {
  invoke(id: string, channel: string, input: unknown): Promise<Envelope> {
    if (typeof id !== 'string' || typeof channel !== 'string') {
      return Promise.resolve({ ok: false, error: { code: 'invalid-input', message: 'A call id and a channel name must be strings.' } });
    }
    return electron.ipcRenderer.invoke(INVOKE_CHANNEL, { type: 'invoke', id, channel, input }) as Promise<Envelope>;
  },
  cancel(id: string): void {
    if (typeof id !== 'string') return;
    electron.ipcRenderer.send(CANCEL_CHANNEL, { type: 'cancel', id });
  },
  on(event, listener) {
    if (!isKnownEvent(event)) throw new Error(`Unknown event ${JSON.stringify(String(event))}; known events: ${EVENT_NAMES.join(', ')}.`);
    if (typeof listener !== 'function') throw new Error('An event listener must be a function.');
    startForwarding();
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    const entry = listener as Listener;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  },
  platform: process.platform as PreloadPlatform,
};

electron.contextBridge.exposeInMainWorld('multiarchLab', api);
