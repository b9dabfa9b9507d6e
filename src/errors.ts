/**
 * One error base class with stable codes (the undici pattern). A ParityError is a user-facing
 * problem: the CLI prints its message (and diagnostics) without a stack and exits with its
 * exitCode. Anything else that escapes is a bug in parity and is printed with its stack.
 */
import type { Diagnostic } from './diagnostics.js';

export type ErrorCode =
  | 'USAGE'
  | 'NOT_IMPLEMENTED'
  | 'CONFIG_INVALID'
  | 'SPECS_DIR_MISSING'
  | 'SPEC_INVALID'
  | 'SPEC_NOT_FOUND'
  | 'APPROVAL_REFUSED'
  | 'FILE_EXISTS'
  | 'STORE_TOO_NEW'
  | 'STORE_INVALID'
  | 'STORE_MIGRATION_FAILED'
  | 'TARGET_UNREACHABLE'
  | 'HOOKS_INVALID'
  | 'HAR_INVALID'
  | 'CREDENTIALS_MISSING';

/** 0 = ok, 1 = a check failed, 2 = usage or input error. */
export type ExitCode = 0 | 1 | 2;

export interface ParityErrorOptions {
  exitCode?: ExitCode;
  diagnostics?: readonly Diagnostic[];
  hint?: string;
  cause?: unknown;
}

export class ParityError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly diagnostics: readonly Diagnostic[];
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ParityErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParityError';
    this.code = code;
    this.exitCode = options.exitCode ?? 2;
    this.diagnostics = options.diagnostics ?? [];
    this.hint = options.hint;
  }
}

export function isParityError(error: unknown): error is ParityError {
  return error instanceof ParityError;
}
