/**
 * A page holding the app's real log panel (the same component, buffer and styles the Build view uses), for
 * bench/run-all.ts to drive in Chromium: it feeds lines the way `build:log` events arrive (batches of up to 500,
 * each in its own task, each followed by a store update) and scrolls, measuring with requestAnimationFrame.
 */
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import type { BuildLogLine } from '../../core/contract/build.js';
import { LogPanel } from '../../renderer/src/components/log-panel.js';
import { LogBuffer } from '../../renderer/src/components/log-panel-model.js';
import '../../renderer/src/styles/theme.css';
import '../../renderer/src/styles/app.css';

const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

/** Lines like a verbose build prints: a platform, a step, some with ANSI colours, of varied length. */
function makeLines(count: number): BuildLogLine[] {
  const lines: BuildLogLine[] = [];
  for (let i = 0; i < count; i++) {
    const platform = PLATFORMS[i % PLATFORMS.length];
    const coloured = i % 7 === 0 ? `\u001b[32m#${i} DONE\u001b[0m ` : i % 11 === 0 ? `\u001b[1;31mwarning\u001b[0m ` : '';
    lines.push({ platform, step: `RUN make -j2 step-${i % 40}`, stream: i % 5 === 0 ? 2 : 1, text: `${coloured}compiling src/module-${i % 997}.c -> obj/module-${i % 997}.o ${'.'.repeat(i % 60)}` });
  }
  return lines;
}

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

function stats(deltas: number[]) {
  const s = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]! : 0);
  return { frames: s.length, p50: q(0.5), p95: q(0.95), max: s.length ? s[s.length - 1]! : 0, over50ms: s.filter((d) => d > 50).length };
}

let setVersionOutside: (v: number) => void = () => undefined;
const buffer = new LogBuffer();

function Harness() {
  const [version, setVersion] = useState(0);
  setVersionOutside = setVersion;
  return <LogPanel buffer={buffer} version={version} label="Bench log" fileName="bench.log" emptyText="No lines yet." testId="bench-log" />;
}

declare global {
  interface Window {
    bench: {
      /** Feeds `total` lines in batches, one per task; resolves when the last batch is on screen. */
      stream(total: number, batch: number): Promise<{ ms: number; frames: ReturnType<typeof stats>; rendered: string }>;
      /** Scrolls from the top to the bottom in `frames` steps, then through `wheel` small steps; frame times. */
      scroll(frames: number, wheel: number): Promise<{ jump: ReturnType<typeof stats>; wheel: ReturnType<typeof stats>; rowsInPage: number }>;
      reset(): void;
    };
  }
}

window.bench = {
  async stream(total, batch) {
    const lines = makeLines(total);
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
    for (let i = 0; i < lines.length; i += batch) {
      buffer.append(lines.slice(i, i + batch));
      setVersionOutside(buffer.version);
      await nextTask();
    }
    // on screen: the newest line is rendered and a frame has been painted after it
    const lastNumber = String(total);
    while (!document.querySelector(`[data-line="${lastNumber}"]`)) await nextFrame();
    await nextFrame();
    const ms = performance.now() - started;
    running = false;
    const count = document.querySelector('[data-testid="bench-log-count"]')?.textContent ?? '';
    return { ms, frames: stats(deltas.slice(1)), rendered: count };
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
      buffer.clear();
      setVersionOutside(buffer.version);
    });
  },
};

const root = document.getElementById('root');
if (!root) throw new Error('no #root');
createRoot(root).render(<Harness />);
document.body.dataset.ready = 'true';
