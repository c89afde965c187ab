/**
 * The Electron IPC adapter over the core's dispatch: the only file that touches ipcMain.
 * One invoke channel for every call, one cancel channel for the contract's cancel message, one event
 * channel for everything the core publishes (see ipc-binding.ts for when calls are cancelled).
 */
import { ipcMain } from 'electron';
import type { Core } from '../../core/app.js';
import { createIpcBinding, type IpcBinding } from './ipc-binding.js';

export type { IpcBinding } from './ipc-binding.js';

export function bindIpc(core: Core): IpcBinding {
  return createIpcBinding(ipcMain, core);
}
