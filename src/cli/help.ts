import { InvalidArgumentError, type Command } from 'commander';
import { expandUrlShorthand } from '../config/schema.js';

/** Append an "Examples:" section to a command's --help. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** Collect a repeatable option (`--db a.db --db b.db`) into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parseInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${n}`);
    return n;
  };
}

/** A flag that takes a base URL: `:7101` and `host:port` are expanded (expandUrlShorthand); the command checks the result. */
export function parseUrl(value: string): string {
  return expandUrlShorthand(value);
}

/** A flag that takes HTTP methods, comma-separated (`GET,HEAD`): uppercase, each one a method token. */
export function parseMethods(value: string): string[] {
  const methods = value
    .split(',')
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m !== '');
  const bad = methods.find((m) => !/^[A-Z]+$/.test(m));
  if (methods.length === 0 || bad !== undefined) throw new InvalidArgumentError(`expected HTTP methods separated by commas, such as GET,HEAD; got "${value}"`);
  return [...new Set(methods)];
}
