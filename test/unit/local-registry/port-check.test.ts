/** Who holds a port, and the port-taken error built from it. */
import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, portTakenError } from '../../../core/local-registry/port-check.js';

describe('/proc/net/tcp', () => {
  it('reads listening sockets from /proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:176F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 75723 1 00000000a8e90281 100 0 0 10 0',
      '   1: 00000000:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1083 1 000000000eb56a0e 100 0 0 10 0',
      '   2: 0100007F:B043 0100007F:1388 01 00000000:00000000 00:00000000 00000000     0        0 81835 1 0000000066f1bd21 100 0 0 10 0',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([{ port: 5999, inode: 75723 }, { port: 5000, inode: 1083 }]);
  });
});

describe('port-taken', () => {
  it('names a registry container and offers both the next port and that registry', () => {
    const e = portTakenError(5000, { container: { name: 'old-registry', image: 'registry:2', isRegistry: true } }, 5001, 'linux');
    expect(e.code).toBe('port-taken');
    expect(e.message).toBe('Port 5000 is already in use by the container "old-registry" (image registry:2), so the registry cannot be published on it.');
    expect(e.hint).toContain('Use port 5001: multiarch-lab registry up --port 5001');
    expect(e.hint).toContain('multiarch-lab registry up --name old-registry');
    expect(e.details).toMatchObject({ port: 5000, suggestedPort: 5001 });
  });

  it('mentions the AirPlay Receiver on macOS for port 5000, and not elsewhere', () => {
    expect(portTakenError(5000, {}, 5001, 'darwin').hint).toMatch(/AirPlay Receiver/);
    expect(portTakenError(5000, {}, 5001, 'linux').hint).not.toMatch(/AirPlay/);
    expect(portTakenError(5000, { process: { pid: 42, command: 'ControlCenter' } }, null, 'darwin').message).toContain('the process ControlCenter (pid 42)');
  });
});
