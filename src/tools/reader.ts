// What each tool's reader (one file per tool in this folder) gives `pgshift import` (../import.ts).
import type pg from 'pg';
import type { HistoryTable } from '../apply/history.js';
import type { MigrationFile } from '../types.js';

/** A file the other tool applied. */
export interface Imported {
  file: MigrationFile;
  /** When the other tool applied it, as the database gives it (`YYYY-MM-DD HH:MM:SS…`), when it recorded that. */
  appliedAt: string | null;
}

export interface ToolReading {
  imported: Imported[];
  /** What is not clean in the other tool's history: the import records nothing while there is any. */
  problems: string[];
}

/** Reads the other tool's table (`t.sql`, quoted) and matches its rows to `files`. Reads only. */
export type ToolReader = (client: pg.Client, t: HistoryTable, files: MigrationFile[]) => Promise<ToolReading>;

/** Numeric versions compared as numbers, whatever their zero padding (`0003` is 3). */
export function numericVersion(version: string): bigint | undefined {
  return /^\d+$/.test(version) ? BigInt(version) : undefined;
}
