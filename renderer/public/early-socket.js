/* global window, location */
// Browser mode (issue 15): opens the page's WebSocket and asks for the Doctor's report, the first thing every page
// shows, while the main bundle is still loading and starting. renderer/src/api/ws-client.ts takes over this socket,
// what it received and that call. In Electron (window.multiarchLab, from the preload) the page has no socket: nothing
// happens here. If anything fails, the page opens its own socket as before.
(() => {
  if (window.multiarchLab) return;
  try {
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`);
    const early = { socket, messages: [], opened: false, doctorCallId: `early-doctor-${Math.random().toString(36).slice(2)}` };
    socket.onopen = () => {
      early.opened = true;
      socket.send(JSON.stringify({ type: 'invoke', id: early.doctorCallId, channel: 'doctor:report', input: {} }));
    };
    socket.onmessage = (event) => early.messages.push(event.data);
    window.__multiarchLabEarly = early;
  } catch {
    // the page opens its own
  }
})();
