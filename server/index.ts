export { startServer, defaultStaticDir, contentSecurityPolicy, MAX_MESSAGE_BYTES, type ServerOptions, type RunningServer } from './server.js';
export { type ServerMessage, type MessageId } from './protocol.js';
export { parseClientMessage, type ClientMessage } from './client-message.js';
