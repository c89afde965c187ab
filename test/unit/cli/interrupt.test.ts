import { afterEach, describe, expect, it, vi } from 'vitest';
import { cancelOnInterrupt } from '../../../cli/interrupt.js';

describe('cancelOnInterrupt', () => {
  afterEach(() => vi.useRealTimers());

  it('cancels on the first Ctrl-C and swallows the duplicate a wrapper relays right after', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const controller = new AbortController();
    const before = process.listenerCount('SIGINT');
    const stop = cancelOnInterrupt(controller, 'why');
    process.emit('SIGINT');
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe('why');
    process.emit('SIGINT');
    expect(exit).not.toHaveBeenCalled();
    stop();
    // still listening after an interrupt, so a late relayed duplicate cannot kill the process with 130
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.removeAllListeners('SIGINT');
    exit.mockRestore();
  });

  it('a second Ctrl-C more than a second later forces the exit', () => {
    vi.useFakeTimers();
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    cancelOnInterrupt(new AbortController());
    process.emit('SIGINT');
    vi.advanceTimersByTime(1500);
    process.emit('SIGINT');
    expect(exit).toHaveBeenCalledWith(130);
    process.removeAllListeners('SIGINT');
    exit.mockRestore();
    stderr.mockRestore();
  });

  it('removes its listener when the call ends without an interrupt', () => {
    const before = process.listenerCount('SIGINT');
    const stop = cancelOnInterrupt(new AbortController());
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    stop();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
