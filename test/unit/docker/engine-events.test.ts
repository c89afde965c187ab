/** The pure parts of the engine watch: reading the event stream and deciding what is worth a refetch. */
import { describe, expect, it } from 'vitest';
import { JsonLineSplitter, summarizeEngineEvent } from '../../../core/docker/engine-events.js';

describe('summarizeEngineEvent', () => {
  it('keeps the type, action and name of container, volume and image events', () => {
    expect(summarizeEngineEvent({ Type: 'container', Action: 'start', Actor: { ID: 'd4ea', Attributes: { image: 'registry:2', name: 'registry' } }, scope: 'local', time: 1 })).toEqual({ type: 'container', action: 'start', name: 'registry' });
    // volume events name the volume by its ID
    expect(summarizeEngineEvent({ Type: 'volume', Action: 'destroy', Actor: { ID: 'registry_data', Attributes: { driver: 'local' } } })).toEqual({ type: 'volume', action: 'destroy', name: 'registry_data' });
    expect(summarizeEngineEvent({ Type: 'image', Action: 'pull', Actor: { ID: 'registry:2', Attributes: { name: 'registry' } } })).toEqual({ type: 'image', action: 'pull', name: 'registry' });
  });

  it('drops exec and attach chatter, which changes nothing a view shows', () => {
    for (const action of ['exec_create: /bin/registry garbage-collect', 'exec_start: sh', 'exec_die', 'attach', 'resize', 'health_status: healthy']) {
      expect(summarizeEngineEvent({ Type: 'container', Action: action, Actor: { ID: 'x', Attributes: { name: 'registry' } } })).toBeNull();
    }
  });

  it('ignores what is not an event', () => {
    expect(summarizeEngineEvent(null)).toBeNull();
    expect(summarizeEngineEvent('start')).toBeNull();
    expect(summarizeEngineEvent({ Type: 'container' })).toBeNull();
  });
});

describe('JsonLineSplitter', () => {
  it('rebuilds events cut at any point, and skips torn lines', () => {
    const s = new JsonLineSplitter();
    const a = JSON.stringify({ Type: 'container', Action: 'stop' });
    const b = JSON.stringify({ Type: 'volume', Action: 'create' });
    expect(s.push(a.slice(0, 10))).toEqual([]);
    expect(s.push(`${a.slice(10)}\n${b.slice(0, 5)}`)).toEqual([{ Type: 'container', Action: 'stop' }]);
    expect(s.push(`${b.slice(5)}\n{not json}\n\n`)).toEqual([{ Type: 'volume', Action: 'create' }]);
  });
});
