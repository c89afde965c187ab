export { startServer, defaultStaticDir, contentSecurityPolicy, MAX_MESSAGE_BYTES, type ServerOptions, type RunningServer } from './server.js';
export { parseClientMessage, type ClientMessage, type ServerMessage, type MessageId } from './protocol.js';
