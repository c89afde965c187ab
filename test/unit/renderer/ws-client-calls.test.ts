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

describe('the early socket (renderer/public/early-socket.js)', () => {
  const report = { checks: [], engine: { version: '26.1.5' } };
  const result = (id: string) => JSON.stringify({ type: 'result', id, envelope: { ok: true, result: report } });

  it('is taken over when open: its doctor:report answer, come before anyone asked, goes to the first doctor call only', async () => {
    const { socket, sent } = manualSocket();
    socket.readyState = 1;
    const early = { socket, messages: [result('early-1')], opened: true, doctorCallId: 'early-1' };
    let created = 0;
    const api = createWsClient({ url: 'ws://127.0.0.1:1/ws', early, createSocket: () => (created++, manualSocket().socket) });
    expect(created).toBe(0);
    expect(api.connectionState()).toBe('connected');
    await expect(api.invoke('doctor:report', {})).resolves.toEqual(report);
    expect(sent).toEqual([]);
    // the next one is asked afresh
    const again = api.invoke('doctor:report', {}, { callId: 'c-2' });
    expect(sent).toEqual([{ type: 'invoke', id: 'c-2', channel: 'doctor:report', input: {} }]);
    socket.onmessage?.({ data: result('c-2') });
    await expect(again).resolves.toEqual(report);
    api.close();
  });

  it('is taken over while still opening: the doctor call goes out once at open, and the first doctor:report waits for it', async () => {
    const { socket, sent } = manualSocket();
    const early = { socket, messages: [], opened: false, doctorCallId: 'early-2' };
    const api = createWsClient({ url: 'ws://127.0.0.1:1/ws', early, createSocket: () => manualSocket().socket });
    const first = api.invoke('doctor:report', {});
    const info = api.invoke('app:info', {}, { callId: 'c-info' });
    socket.readyState = 1;
    socket.onopen?.({});
    expect(sent).toEqual([
      { type: 'invoke', id: 'early-2', channel: 'doctor:report', input: {} },
      { type: 'invoke', id: 'c-info', channel: 'app:info', input: {} },
    ]);
    socket.onmessage?.({ data: result('early-2') });
    await expect(first).resolves.toEqual(report);
    socket.onmessage?.({ data: JSON.stringify({ type: 'result', id: 'c-info', envelope: { ok: true, result: { name: 'Multiarch Lab' } } }) });
    await expect(info).resolves.toEqual({ name: 'Multiarch Lab' });
    api.close();
  });

  it('one that closed before the page took it is left: the client opens its own; a lost early call is not waited for', async () => {
    const closedEarly = manualSocket();
    closedEarly.socket.readyState = 3;
    const own = manualSocket();
    const api = createWsClient({ url: 'ws://127.0.0.1:1/ws', early: { socket: closedEarly.socket, messages: [], opened: true, doctorCallId: 'early-3' }, createSocket: () => own.socket });
    own.socket.readyState = 1;
    own.socket.onopen?.({});
    const call = api.invoke('doctor:report', {}, { callId: 'c-own' });
    expect(own.sent).toEqual([{ type: 'invoke', id: 'c-own', channel: 'doctor:report', input: {} }]);
    own.socket.onmessage?.({ data: result('c-own') });
    await expect(call).resolves.toEqual(report);
    api.close();

    // taken over, then lost before its doctor answer: after reconnecting, doctor:report is sent again
    const lost = manualSocket();
    lost.socket.readyState = 1;
    const next = manualSocket();
    const api2 = createWsClient({ url: 'ws://127.0.0.1:1/ws', early: { socket: lost.socket, messages: [], opened: true, doctorCallId: 'early-4' }, createSocket: () => next.socket, initialDelayMs: 1, maxDelayMs: 1 });
    lost.socket.readyState = 3;
    lost.socket.onclose?.({});
    await new Promise((r) => setTimeout(r, 20));
    next.socket.readyState = 1;
    next.socket.onopen?.({});
    const retried = api2.invoke('doctor:report', {});
    expect(next.sent).toEqual([{ type: 'invoke', id: expect.any(String), channel: 'doctor:report', input: {} }]);
    const sentId = (next.sent[0] as { id: string }).id;
    expect(sentId).not.toBe('early-4');
    next.socket.onmessage?.({ data: result(sentId) });
    await expect(retried).resolves.toEqual(report);
    api2.close();
  });
});
