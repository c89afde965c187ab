export * from './contract/index.js';
export { createCore, appVersion, type Core, type CoreDeps, type CoreOptions } from './app.js';
export { createDispatch, unwrap, type Dispatch, type Handlers, type CallContext } from './dispatch.js';
export { EventBus } from './events.js';
export { TaskManager, type TaskHandle, type StepSpec } from './tasks.js';
export { SettingsStore } from './settings.js';
export { defaultDataDir, APP_NAME, APP_ID } from './paths.js';
