/** What the sweep of left-behind containers removed: reported as an event and kept for the fronts to show. */
import { Empty } from './common.js';
import { channel } from './define.js';

export interface SweptContainer {
  name: string;
  id: string;
  /** The dev.multiarch-lab.role label: run, registry-gc, registry-maintenance. */
  role: string;
  state: string;
  image: string;
  /** When it stopped, as the engine says; null when it never ran. */
  finishedAt: string | null;
}

export interface SweepReport {
  at: string;
  removed: SweptContainer[];
  /** Containers that matched but could not be removed, with the engine's reason. */
  failed: Array<SweptContainer & { error: string }>;
  message: string;
}

export const sweepChannels = {
  /** The last sweep this core made (on start or when the engine came back); null before the first. */
  'engine:last-sweep': channel<{ last: SweepReport | null }>()(Empty),
} as const;
