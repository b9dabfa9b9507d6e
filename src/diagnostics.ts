/** A problem located in a file, printed as `file:line:col: message` (1-based line and column). */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  /** Stable rule name, so tooling can filter (`yaml-syntax`, `schema`, `duplicate-id`, ...). */
  rule: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message);
}
