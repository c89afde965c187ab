export * from './errors.js';
export * from './common.js';
export * from './tasks.js';
export * from './settings.js';
export * from './doctor.js';
export * from './channels.js';
export * from './events.js';
export * from './envelope.js';
