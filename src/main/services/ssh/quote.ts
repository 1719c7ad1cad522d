// The one way to put data into a remote shell command: every argument single-quoted for POSIX sh
// (bash, dash, zsh). Never build a command by concatenating user data without this.
import { ApiError } from '../../../shared/api/errors';

/** One argument, quoted so that the remote shell passes it through byte for byte. */
export function shQuote(arg: string): string {
  // A NUL cannot exist in an argv string; refuse rather than truncate silently.
  if (arg.includes('\u0000')) throw new ApiError('VALIDATION', 'A command argument contains a NUL byte.');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv: `sh(['printf', '%s', userText])`. */
export function shCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(shQuote).join(' ');
}
