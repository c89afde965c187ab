const SAFE = /^[A-Za-z0-9_/.:=@%+,-]+$/;

/**
 * Turns an argument array into a line a POSIX shell reads back as the same arguments,
 * so a copied command does exactly what the app showed.
 */
export function quoteArgs(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
