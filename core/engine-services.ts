/** The event bus and the engine access, as the core makes them: apart so `serve` can make them first (early-doctor.ts). */
import path from 'node:path';
import { EventBus } from './events.js';
import { EngineAccess } from './docker/engine.js';

export interface EngineServices {
  events: EventBus;
  engine: EngineAccess;
}

export function createEngineServices(env: NodeJS.ProcessEnv, dataDir: string): EngineServices {
  const events = new EventBus();
  const engine = new EngineAccess({ env, events, probeCacheFile: path.join(dataDir, 'cache', 'buildx-probe.json') });
  return { events, engine };
}
