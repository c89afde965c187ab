// The `electron` module the built main process gets in tests (see test/helpers/electron-stand-in.ts): the
// recording objects that createElectronStandIn() made in this process. Only the names the main process imports
// are here; a new import of something the stand-in does not provide fails the loading, loudly.
const standIn = globalThis[Symbol.for('multiarch-lab.electron-stand-in')];
if (!standIn) throw new Error('createElectronStandIn() must run before the built main process is loaded');

export const { app, BrowserWindow, ipcMain, dialog, protocol, session, shell } = standIn;
export default standIn;
