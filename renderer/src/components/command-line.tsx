import { quoteArgs } from '../lib/shell-quote.js';
import { CopyButton } from './copy-button.js';

/** A command the user can run themselves, in monospace, with a copy button. */
export function CommandLine({ args }: { args: readonly string[] }) {
  const text = quoteArgs(args);
  return (
    <div className="command">
      <code>
        <span className="command-prompt" aria-hidden="true">
          ${' '}
        </span>
        {text}
      </code>
      <CopyButton text={text} label="Copy command" />
    </div>
  );
}
