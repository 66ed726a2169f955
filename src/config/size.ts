// Sizes as settings take them: `8192` (bytes), `500MB`, `2GB`, in PostgreSQL's units (1kB = 1024 bytes).
import { EnvError } from 'envalid';

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1 << 10, mb: 1 << 20, gb: 1 << 30, tb: 2 ** 40 };

export function parseSize(input: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(|B|kB|MB|GB|TB)$/i.exec(input.trim());
  if (!m) throw new EnvError('must be a size such as 8192, 500MB or 2GB');
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}
