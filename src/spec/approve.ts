/**
 * `parity spec approve <id> --by NAME`: record who approved a spec, when, and against which
 * legacy source hash and decisions. Refuses while the spec is incomplete or has lint problems.
 * Only the `approval` block of the file changes; every other byte is kept.
 */
import fs from 'node:fs';
import { ParityError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { setTopLevelBlock } from '../yaml/edit.js';
import { closest } from '../text.js';
import { problemsOf } from './lint.js';
import { loadSpecs, parseSpecText } from './load.js';
import type { Approval } from './schema.js';
import { canonicalJson } from '../hash.js';
import { approvalBlockers, decisionsHash } from './status.js';

export interface ApproveOptions {
  specsDir: string;
  cwd: string;
  id: string;
  by: string;
  now?: Date;
}

export interface ApproveResult {
  id: string;
  file: string;
  approval: Approval;
  /** The approval this one replaced, if the spec was approved before. */
  previous: Approval | null;
  warnings: string[];
}

export function approveSpec(options: ApproveOptions): ApproveResult {
  const by = options.by.trim();
  if (by === '' || /[\r\n]/.test(by)) throw new ParityError('USAGE', "--by: give the approver's name on one line");

  const set = loadSpecs(options.specsDir, options.cwd);
  const loaded = set.specs.find((s) => s.spec.id === options.id);
  if (!loaded) {
    const suggestion = closest(
      options.id,
      set.specs.map((s) => s.spec.id),
    );
    const unloaded =
      set.diagnostics.length > 0 ? `; ${new Set(set.diagnostics.map((d) => d.file)).size} file(s) failed to load (run \`parity spec lint\`)` : '';
    throw new ParityError('SPEC_NOT_FOUND', `no spec with id "${options.id}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}${unloaded}`);
  }

  const problems = problemsOf(set).filter((d) => d.file === loaded.source.file);
  if (problems.length > 0) {
    throw new ParityError('APPROVAL_REFUSED', `cannot approve "${options.id}": ${loaded.source.file} has lint problems`, {
      exitCode: 1,
      diagnostics: problems,
    });
  }
  const blockers = approvalBlockers(loaded.spec);
  if (blockers.length > 0) {
    throw new ParityError('APPROVAL_REFUSED', `cannot approve "${options.id}":\n${blockers.map((b) => `  - ${b}`).join('\n')}`, { exitCode: 1 });
  }

  const warnings: string[] = [];
  const sourceHash = loaded.spec.extracted?.source_hash;
  if (sourceHash === undefined) warnings.push('the spec has no extracted.source_hash, so drift of the legacy code cannot be detected (run `parity extract`)');
  const approval: Approval = {
    by,
    at: (options.now ?? new Date()).toISOString(),
    ...(sourceHash !== undefined && { source_hash: sourceHash }),
    spec_hash: decisionsHash(loaded.spec),
  };

  const updated = setTopLevelBlock(loaded.source, 'approval', approval, { insertAfter: ['endpoint', 'id'] });
  // The edited text must load and carry exactly this approval before it may replace the file.
  const reparsed = parseSpecText(loaded.file, loaded.source.file, updated).spec?.spec;
  if (!reparsed || canonicalJson(reparsed.approval) !== canonicalJson(approval) || decisionsHash(reparsed) !== approval.spec_hash) {
    throw new Error(`internal error: the edited ${loaded.source.file} did not read back with the new approval; the file was left unchanged`);
  }
  if (fs.readFileSync(loaded.file, 'utf8') !== loaded.source.text) {
    throw new ParityError('APPROVAL_REFUSED', `${loaded.source.file} changed on disk while approving; run the command again`);
  }
  writeFileAtomic(loaded.file, updated);
  return { id: options.id, file: loaded.source.file, approval, previous: loaded.spec.approval ?? null, warnings };
}
