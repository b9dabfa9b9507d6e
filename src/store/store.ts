/**
 * The parity store: one SQLite file. Opening it is where a wrong file gets caught, so every
 * refusal happens before anything is written, and the handle is closed before the error leaves.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ParityError } from '../errors.js';
import { checkSchemaVersion, migrate, type MigrationResult } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export interface Store {
  readonly db: Database.Database;
  readonly file: string;
  readonly schemaVersion: number;
  readonly readonly: boolean;
  readonly migration: MigrationResult;
  close(): void;
}

export interface OpenStoreOptions {
  readonly?: boolean;
  migrations?: readonly Migration[];
}

export function openStore(file: string, options: OpenStoreOptions = {}): Store {
  const readonly = options.readonly ?? false;
  const migrations = options.migrations ?? MIGRATIONS;
  if (readonly && !fs.existsSync(file)) {
    throw invalid(`${file} does not exist`, 'a read-only open never creates the store; run a command that writes to it first');
  }
  if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true });

  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw describeOpenError(file, error);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = readVersion(db, file, migrations);
    if (version === 0 && hasTables(db)) {
      throw invalid(
        `${file} is a SQLite database of some other application (it has tables but no parity schema version)`,
        'refusing to touch it; choose another store path',
      );
    }
    if (readonly && version < migrations.length) {
      throw invalid(
        `${file} has schema version ${version} but this parity needs ${migrations.length}; it needs migrating`,
        'open it once without read-only (any command that writes to the store) to migrate it',
      );
    }
    // journal_mode is a property of the file itself, so a read-only handle must not try to set it.
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const migration = readonly ? { from: version, to: version, applied: [] } : migrate(db, migrations);
    const opened = db;
    return { db: opened, file, schemaVersion: migration.to, readonly, migration, close: () => opened.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The first statement is where SQLite first reads the header, so a non-database surfaces here. */
function readVersion(db: Database.Database, file: string, migrations: readonly Migration[]): number {
  try {
    return checkSchemaVersion(db, migrations);
  } catch (error) {
    throw error instanceof Database.SqliteError ? describeOpenError(file, error) : error;
  }
}

function hasTables(db: Database.Database): boolean {
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
  return row.n > 0;
}

function describeOpenError(file: string, error: unknown): ParityError {
  if (error instanceof Database.SqliteError && error.code === 'SQLITE_NOTADB') {
    return new ParityError('STORE_INVALID', `${file} is not a SQLite database`, { exitCode: 2, cause: error, hint: 'point parity at another store path' });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ParityError('STORE_INVALID', `cannot open store ${file}: ${message}`, { exitCode: 2, cause: error });
}

function invalid(message: string, hint: string): ParityError {
  return new ParityError('STORE_INVALID', message, { exitCode: 2, hint });
}
