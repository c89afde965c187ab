import { describe, expect, it } from 'vitest';
import { createWsClient, type SocketLike } from '../../../renderer/src/api/ws-client.js';

/** A socket the test opens by hand, recording what the client sends. */
function manualSocket() {
  const sent: unknown[] = [];
  const socket: SocketLike & { readyState: number } = {
    readyState: 0,
    send: (data: string) => sent.push(JSON.parse(data)),
    close: () => undefined,
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  };
  return { socket, sent };
}

describe('the WebSocket client\u2019s call ids', () => {
  it('sends each call under the caller\u2019s id, and the one cancel message when its signal aborts', async () => {
    const { socket, sent } = manualSocket();
    const api = createWsClient({ url: 'ws://127.0.0.1:1/ws', createSocket: () => socket });
    socket.readyState = 1;
    socket.onopen?.({});
    const controller = new AbortController();
    const call = api.invoke('doctor:report', {}, { signal: controller.signal, callId: 'c-ws-1' });
    // the same id again while the first still runs would make its cancel ambiguous
    await expect(api.invoke('app:info', {}, { callId: 'c-ws-1' })).rejects.toMatchObject({ code: 'invalid-input' });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    expect(sent).toEqual([
      { type: 'invoke', id: 'c-ws-1', channel: 'doctor:report', input: {} },
      { type: 'cancel', id: 'c-ws-1' },
    ]);
    // a late answer for the cancelled call is ignored
    socket.onmessage?.({ data: JSON.stringify({ type: 'result', id: 'c-ws-1', envelope: { ok: true, result: {} } }) });
    api.close();
  });

  it('drops a call cancelled before the socket opened instead of sending it', async () => {
    const { socket, sent } = manualSocket();
    const api = createWsClient({ url: 'ws://127.0.0.1:1/ws', createSocket: () => socket });
    const controller = new AbortController();
    const call = api.invoke('doctor:report', {}, { signal: controller.signal });
    const kept = api.invoke('app:info', {}, { callId: 'c-kept' });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    socket.readyState = 1;
    socket.onopen?.({});
    expect(sent).toEqual([{ type: 'invoke', id: 'c-kept', channel: 'app:info', input: {} }]);
    socket.onmessage?.({ data: JSON.stringify({ type: 'result', id: 'c-kept', envelope: { ok: true, result: { name: 'Multiarch Lab' } } }) });
    await expect(kept).resolves.toEqual({ name: 'Multiarch Lab' });
    api.close();
  });
});
