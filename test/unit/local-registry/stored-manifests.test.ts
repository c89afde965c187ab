import { describe, expect, it } from 'vitest';
import { manifestRevisions, tarEntryNames } from '../../../core/local-registry/stored-manifests.js';

/** One tar header block for `name` (ustar: a long name split into prefix and name), with no data. */
function header(name: string, type = '0', size = 0, prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(size.toString(8).padStart(11, '0'), 124, 12, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write('ustar', 257, 6, 'ascii');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  return h;
}

function pax(path: string): Buffer[] {
  // the record length counts itself: grow it until it does
  let record = '';
  for (let n = record.length; ; n++) {
    record = `${n} path=${path}\n`;
    if (Buffer.byteLength(record) === n) break;
  }
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(record) / 512) * 512);
  data.write(record);
  return [header('PaxHeader', 'x', Buffer.byteLength(record)), data];
}

const hex = (c: string) => c.repeat(64);

describe('the manifest revisions in a registry storage archive', () => {
  it('reads ustar prefixes and pax long names, and keeps only revision links', () => {
    const tar = Buffer.concat([
      header('repositories/lab/', '5'),
      header(`sha256/${hex('a')}/link`, '0', 0, 'repositories/lab/one/_manifests/revisions'),
      ...pax(`repositories/team/deep/name/_manifests/revisions/sha256/${hex('b')}/link`),
      header('ignored-by-pax'),
      header(`repositories/lab/one/_layers/sha256/${hex('c')}/link`),
      Buffer.alloc(1024),
    ]);
    const names = tarEntryNames(tar);
    expect(names).toContain(`repositories/lab/one/_manifests/revisions/sha256/${hex('a')}/link`);
    expect(names).toContain(`repositories/team/deep/name/_manifests/revisions/sha256/${hex('b')}/link`);
    expect(names).not.toContain('ignored-by-pax');
    expect(Object.fromEntries(manifestRevisions(names))).toEqual({
      'lab/one': [`sha256:${hex('a')}`],
      'team/deep/name': [`sha256:${hex('b')}`],
    });
  });
});
