// Types for the pure part of scripts/doc-samples.mjs (test/unit/doc-samples.test.ts imports it).
export interface Sample {
  name: string;
  line: number;
  indent: string;
  bodyStart: number;
  bodyEnd: number;
  text: string;
}
export const ROOT: string;
export const DOCUMENTS: string[];
export function parseSamples(markdown: string): Sample[];
export function normalize(text: string): string;
export function matches(documented: string, actual: string): boolean;
export function firstDifference(documented: string, actual: string): { line: number; documented: string; actual: string } | undefined;
export function replaceSamples(markdown: string, outputs: Map<string, string>): string;
