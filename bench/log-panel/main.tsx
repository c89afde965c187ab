/**
 * A page holding the app's real log panel (the same component, buffer and styles the Build view uses) fed the
 * way the Build view is fed in browser mode: the app's own WebSocket client (renderer/src/api/ws-client.ts)
 * receives `build:log` events from bench/run-all.ts over a real WebSocket, and the store's build slice
 * (watchBuild) appends them to its LogBuffer; the panel reads buffer and version from the store. run-all drives it
 * in Chromium and measures with requestAnimationFrame.
 */
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { LogPanel } from '../../renderer/src/components/log-panel.js';
import { createWsClient } from '../../renderer/src/api/ws-client.js';
import { createAppStore } from '../../renderer/src/store/index.js';
import { selectBuildLog, selectBuildLogVersion, watchBuild } from '../../renderer/src/store/build-slice.js';
import { StoreProvider, useAppStore } from '../../renderer/src/store/provider.js';
import '../../renderer/src/styles/theme.css';
import '../../renderer/src/styles/app.css';

const api = createWsClient({ url: `ws://${window.location.host}/ws` });
const store = createAppStore(api, 'build');
watchBuild(api, store.getState, store.setState);

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

function stats(deltas: number[]) {
  const s = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]! : 0);
  return { frames: s.length, p50: q(0.5), p95: q(0.95), max: s.length ? s[s.length - 1]! : 0, over50ms: s.filter((d) => d > 50).length };
}

function Harness() {
  const buffer = useAppStore(selectBuildLog);
  const version = useAppStore(selectBuildLogVersion);
  return <LogPanel buffer={buffer} version={version} label="Bench log" fileName="bench.log" emptyText="No lines yet." testId="bench-log" />;
}

declare global {
  interface Window {
    bench: {
      /** Asks the bench server to send `total` lines as `build:log` events of `batch`; resolves when the last is on screen. */
      stream(total: number, batch: number): Promise<{ ms: number; sentMs: number; inStoreMs: number; frames: ReturnType<typeof stats>; rendered: string }>;
      /** Scrolls from the top to the bottom in `frames` steps, then through `wheel` small steps; frame times. */
      scroll(frames: number, wheel: number): Promise<{ jump: ReturnType<typeof stats>; wheel: ReturnType<typeof stats>; rowsInPage: number }>;
      reset(): void;
    };
  }
}

window.bench = {
  async stream(total, batch) {
    const taskId = `bench-${Date.now()}`;
    await fetch(`/prepare?total=${total}&batch=${batch}&task=${encodeURIComponent(taskId)}`);
    // as if Build was just pressed and its task adopted (the slice takes only its own task's lines since calls carry ids)
    flushSync(() => store.setState({ build: { ...store.getState().build, running: true, since: Date.now(), taskId } }));
    const deltas: number[] = [];
    let running = true;
    let last = performance.now();
    const tick = (now: number) => {
      deltas.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const started = performance.now();
    const answer = await fetch(`/stream?total=${total}&batch=${batch}&task=${encodeURIComponent(taskId)}`);
    if (!answer.ok) throw new Error(`the bench server refused to stream: ${answer.status}`);
    const sentMs = performance.now() - started;
    // when the store holds every line (checked each frame): separates the transport from the drawing
    let inStoreMs = Number.NaN;
    const unsubscribe = store.subscribe((state) => {
      if (Number.isNaN(inStoreMs) && state.buildLog.length >= total) inStoreMs = performance.now() - started;
    });
    if (store.getState().buildLog.length >= total) inStoreMs = sentMs;
    // on screen: the newest line is rendered and a frame has been painted after it
    const lastNumber = String(total);
    while (!document.querySelector(`[data-line="${lastNumber}"]`)) await nextFrame();
    await nextFrame();
    const ms = performance.now() - started;
    running = false;
    unsubscribe();
    const count = document.querySelector('[data-testid="bench-log-count"]')?.textContent ?? '';
    return { ms, sentMs, inStoreMs, frames: stats(deltas.slice(1)), rendered: count };
  },
  async scroll(frames, wheel) {
    const viewport = document.querySelector<HTMLElement>('[data-testid="bench-log-viewport"]');
    if (!viewport) throw new Error('no log viewport');
    viewport.scrollTop = 0;
    await nextFrame();
    await nextFrame();
    const measure = async (steps: number, move: (i: number) => void) => {
      const deltas: number[] = [];
      let last = await nextFrame();
      for (let i = 0; i < steps; i++) {
        move(i);
        const now = await nextFrame();
        deltas.push(now - last);
        last = now;
      }
      return stats(deltas);
    };
    const max = viewport.scrollHeight - viewport.clientHeight;
    const jump = await measure(frames, (i) => {
      viewport.scrollTop = Math.round(((i + 1) / frames) * max);
    });
    viewport.scrollTop = Math.round(max / 2);
    await nextFrame();
    const wheelStats = await measure(wheel, (i) => {
      viewport.scrollTop += i % 2 === 0 ? 120 : 80;
    });
    return { jump, wheel: wheelStats, rowsInPage: document.querySelectorAll('.log-row').length };
  },
  reset() {
    flushSync(() => {
      const log = store.getState().buildLog;
      log.clear();
      store.setState({ buildLogVersion: log.version, build: { ...store.getState().build, running: false, since: null, taskId: null } });
    });
  },
};

const root = document.getElementById('root');
if (!root) throw new Error('no #root');
createRoot(root).render(
  <StoreProvider store={store}>
    <Harness />
  </StoreProvider>,
);
document.body.dataset.ready = 'true';
