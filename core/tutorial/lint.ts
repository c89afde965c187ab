/**
 * Checks a Dockerfile for the heredoc mistake that bites people: `<<-` strips leading TABs only,
 * so lines indented with spaces keep their spaces (a script's `#!` then is not at the start), and an
 * end word indented with spaces does not end the heredoc at all.
 */
import type { DockerfileWarning } from '../contract/build.js';

interface OpenHeredoc {
  word: string;
  stripTabs: boolean;
  /** Line number of the instruction that opened it. */
  openedAt: number;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<-'EOF'` as BuildKit's Dockerfile parser accepts them. */
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
const SYNTAX_DIRECTIVE = /^#\s*syntax\s*=\s*(\S+)\s*$/i;

/** Words after `<<` on an instruction line, in order. Inside a heredoc body nothing opens a new one. */
export function heredocsOnLine(line: string, lineNumber: number): OpenHeredoc[] {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('#')) return [];
  const found: OpenHeredoc[] = [];
  for (const m of line.matchAll(HEREDOC)) {
    found.push({ word: m[3] ?? '', stripTabs: m[1] === '-', openedAt: lineNumber });
  }
  return found;
}

export function lintDockerfile(text: string): DockerfileWarning[] {
  const lines = text.split(/\r?\n/);
  const warnings: DockerfileWarning[] = [];
  const pending: OpenHeredoc[] = [];
  let inDirectives = true;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const n = i + 1;
    const current = pending[0];
    if (current) {
      // Where a body line's indentation is only TABs, `<<-` removes it: nothing to say.
      const indent = /^[\t ]*/.exec(line)?.[0] ?? '';
      const bare = line.slice(indent.length);
      const endsHere = current.stripTabs ? bare === current.word && !indent.includes(' ') : line === current.word;
      if (endsHere) {
        pending.shift();
        continue;
      }
      if (current.stripTabs && indent.includes(' ')) {
        if (bare === current.word) {
          warnings.push({
            line: n,
            code: 'heredoc-spaces',
            message: `Line ${n}: the end word ${current.word} is indented with spaces, so it does not end the heredoc opened on line ${current.openedAt}; everything after it becomes part of the heredoc.`,
            hint: `Indent ${current.word} with TABs only, or put it at the start of the line.`,
          });
          // Treat it as the end anyway, so one mistake does not hide the rest of the file.
          pending.shift();
          continue;
        }
        if (bare !== '') {
          warnings.push({
            line: n,
            code: 'heredoc-spaces',
            message: `Line ${n} is indented with spaces inside the <<-${current.word} heredoc opened on line ${current.openedAt}; <<- removes TABs only, so the spaces stay in the written file.`,
            hint: 'Indent heredoc lines with TABs (check that your editor does not turn them into spaces), or do not indent them.',
          });
        }
      }
      continue;
    }

    if (inDirectives) {
      const syntax = SYNTAX_DIRECTIVE.exec(line);
      if (syntax) {
        warnings.push({
          line: n,
          code: 'syntax-image',
          message: `Line ${n} asks BuildKit for the Dockerfile frontend image ${syntax[1]}: it is pulled from its registry (Docker Hub) before the build starts.`,
          hint: 'Keep it only when your builder is too old for what the Dockerfile uses (BuildKit 0.10 / Docker Engine 23 and later read heredocs on their own); offline the pull fails.',
        });
        continue;
      }
      // Directives count only before the first other line (a comment or a blank line ends them too).
      if (!/^#\s*[a-z]+\s*=/i.test(line)) inDirectives = false;
    }
    pending.push(...heredocsOnLine(line, n));
  }

  for (const open of pending) {
    warnings.push({
      line: open.openedAt,
      code: 'heredoc-unterminated',
      message: `The heredoc ${open.word} opened on line ${open.openedAt} never ends: no line holds just ${open.word}${open.stripTabs ? ' (after TABs)' : ''}.`,
      hint: `Add a line with ${open.word} alone after the heredoc's last line.`,
    });
  }
  return warnings;
}
