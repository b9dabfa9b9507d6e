/**
 * What the three Python extractors share: detection from manifests and imports, the per-file loop
 * (parse once, warn about syntax errors, report progress), guard classification by name, and the
 * deterministic ordering of the output.
 */
import { authRequired } from '../auth-requirement.js';
import type { EndpointFacts, ExtractorContext, Guard, Outcome, Param, SourceProject } from '../types.js';
import { cmp, oneLine, parsePyFile, parserProblem, type Node, type PyFile } from './tree.js';

const MANIFEST = /(^|\/)(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg)$/;

/** True when a manifest names one of `packages` or a `.py` file imports `module`. */
export function detectPython(project: SourceProject, packages: string[], module: string): boolean {
  const names = packages.map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|');
  const inManifest = new RegExp(`(^|["'\\s])(${names})(?=$|[\\s=<>~!\\[;"',@])`, 'im');
  const importRe = new RegExp(`^\\s*(from\\s+${module}(\\.|\\s)|import\\s+${module}(\\.|\\s|,|$))`, 'm');
  for (const f of project.files) {
    if (!MANIFEST.test(f)) continue;
    try {
      if (inManifest.test(project.read(f))) return true;
    } catch {
      // unreadable manifest: try the next one
    }
  }
  for (const f of project.files) {
    if (!f.endsWith('.py')) continue;
    try {
      if (importRe.test(project.read(f))) return true;
    } catch {
      // unreadable file
    }
  }
  return false;
}

/** Parses every `.py` file once, warning about syntax errors; reports progress for every file. */
export function loadFiles(context: ExtractorContext): PyFile[] {
  const out: PyFile[] = [];
  const problem = parserProblem();
  if (problem) context.warn({ file: '.', line: 1, message: `python parser unavailable: ${problem}` });
  for (const f of context.project.files) {
    if (f.endsWith('.py') && !problem) {
      const py = parsePyFile(context.project, f);
      if (!py) context.warn({ file: f, line: 1, message: 'cannot read or parse file' });
      else {
        if (py.errorLine !== undefined) context.warn({ file: f, line: py.errorLine, message: 'syntax error; extracting what the parse tree allows' });
        out.push(py);
      }
    }
    context.progress?.(f);
  }
  return out;
}

export const AUTH_DEPENDENCY = /auth|user|token|jwt|login|permission|api_?key|oauth|bearer|credential|session|admin|role|scope/i;
const AUTHZ_NAME = /permission|role|admin|staff|superuser|scope|owner|user_passes_test|group|privilege/i;
const AUTH_NAME = /auth|login|jwt|token|api_?key|signed_in|session_required|oauth|bearer/i;
const RATE_NAME = /limit|throttl/i;

/** A guard from a decorator or dependency name, or undefined when the name says nothing about access. */
export function guardFromName(text: string, level: Guard['level'], evidence: string): Guard | undefined {
  const t = oneLine(text);
  const callee = t.replace(/\(.*$/s, '');
  if (/exempt/i.test(callee)) return undefined;
  // Route registrations on objects named like `auth_bp` or `admin_router` are not guards.
  if (
    /^(route|get|post|put|patch|delete|head|options|api_route|websocket|before_request|before_app_request|action|api_view)$/.test(callee.split('.').pop() ?? '')
  )
    return undefined;
  let kind: Guard['kind'] | undefined;
  if (RATE_NAME.test(callee)) kind = 'rate_limit';
  else if (/csrf_protect|csrf\.protect/i.test(callee)) kind = 'csrf';
  else if (AUTHZ_NAME.test(callee)) kind = 'authz';
  else if (AUTH_NAME.test(callee)) kind = 'auth';
  if (!kind) return undefined;
  if (kind !== 'auth') return { kind, text: t, level, evidence };
  // `@jwt_required(optional=True)`, `HTTPBearer(auto_error=False)`, `jwt_optional`, `Depends(get_current_user_optional)`: credentials read when present.
  const required = /\b(optional\s*=\s*True|auto_error\s*=\s*False)\b/.test(t) ? false : authRequired(callee, undefined);
  return { kind, text: t, level, ...(required !== undefined && { required }), evidence };
}

/**
 * Statuses auth libraries answer for their own decorators: flask-jwt-extended's `jwt_required`
 * answers 401 without a token and 422 for a malformed one. Only for a decorator that is the
 * library's (no project function of that name).
 */
export function libraryAuthOutcomes(guard: Guard, projectDefined: boolean): Outcome[] {
  if (projectDefined || guard.kind !== 'auth' || guard.required === false || !/^(flask_jwt_extended\.)?jwt_required\b/.test(guard.text)) return [];
  const evidence = guard.evidence ? { evidence: guard.evidence } : {};
  return [
    { status: 401, when: 'no token (flask-jwt-extended)', ...evidence },
    { status: 422, when: 'a malformed token (flask-jwt-extended)', ...evidence },
  ];
}

/** The text of a decorator expression node as a guard, if it is one. */
export function decoratorGuard(expr: Node, level: Guard['level'], evidence: string): Guard | undefined {
  return guardFromName(expr.text, level, evidence);
}

export function mergeParams(...lists: Param[][]): Param[] {
  const out: Param[] = [];
  for (const list of lists) for (const p of list) if (!out.some((q) => q.name === p.name && q.in === p.in)) out.push(p);
  return out;
}

export function dedupeGuards(guards: Guard[]): Guard[] {
  const seen = new Set<string>();
  return guards.filter((g) => {
    const k = `${g.kind}|${g.text}|${g.level ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function sortEndpoints(endpoints: EndpointFacts[]): EndpointFacts[] {
  const seen = new Set<string>();
  return endpoints
    .sort((a, b) => cmp(a.path, b.path) || cmp(a.method, b.method) || cmp(a.handler, b.handler))
    .filter((e) => {
      const k = `${e.method} ${e.path} ${e.handler}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

export const HTTP_METHOD_NAMES = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

export function toMethod(m: string): EndpointFacts['method'] | undefined {
  const u = m.toUpperCase();
  return (['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const).find((x) => x === u);
}
