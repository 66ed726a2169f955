// Colours for text on a terminal; PLAIN when it is not one (or NO_COLOR).
export interface Style {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const ESC = String.fromCharCode(27);
const paint = (code: string) => (s: string) => `${ESC}[${code}m${s}${ESC}[0m`;
export const COLOR: Style = { green: paint('32'), red: paint('31'), yellow: paint('33'), dim: paint('2'), bold: paint('1') };
export const PLAIN: Style = { green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };
