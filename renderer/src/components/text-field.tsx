import type { ReactNode } from 'react';

/**
 * One labelled input with its help line and, when there is one, its error: the help and the error are
 * tied to the input by id so a screen reader reads them with it.
 */
export function TextField({
  id,
  label,
  help,
  error,
  value,
  onChange,
  placeholder,
  port = false,
}: {
  id: string;
  label: string;
  help: ReactNode;
  error?: string | undefined;
  value: string;
  onChange(value: string): void;
  placeholder?: string;
  /** A TCP port: a number input limited to 1-65535, with a numeric keypad on touch screens. */
  port?: boolean;
}) {
  return (
    <div className={`field ${error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={port ? 'number' : 'text'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
        {...(port ? { min: 1, max: 65535, inputMode: 'numeric' as const } : {})}
      />
      <p id={`${id}-help`} className="field-help">
        {help}
      </p>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
