import type Database from 'better-sqlite3';
import { ParityError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Returns the database's schema version, refusing one written by a newer parity: its tables may
 * mean things this code does not know, so even reading it could mislead.
 */
export function checkSchemaVersion(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  assertContiguous(migrations);
  const version = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (version > latest) {
    throw new ParityError('STORE_TOO_NEW', `${db.name} has schema version ${version}, but this parity knows schema versions up to ${latest}`, {
      exitCode: 2,
      hint: 'upgrade parity, or point it at another store',
    });
  }
  return version;
}

export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const from = checkSchemaVersion(db, migrations);
  const applied: string[] = [];
  for (const migration of migrations.slice(from)) {
    // user_version is set inside the same transaction, so a failure leaves the last good version.
    const step = db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ParityError('STORE_MIGRATION_FAILED', `migration ${migration.version} (${migration.name}) failed on ${db.name}: ${message}`, {
        exitCode: 2,
        cause: error,
      });
    }
    applied.push(migration.name);
  }
  return { from, to: migrations.length, applied };
}

function assertContiguous(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migrations must be numbered 1..${migrations.length} in order; position ${index + 1} holds version ${migration.version} (${migration.name})`,
      );
    }
  });
}
