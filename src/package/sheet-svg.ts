/** Small SVG writers for the package sheet: numbers to the hundredth of a px, escaped text. */
import { fitText, xmlText } from './sheet-text.js';

/** A coordinate or length to the hundredth of a px. */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

export interface TextStyle {
  size: number;
  bold?: boolean;
  fill?: string;
  anchor?: 'start' | 'middle' | 'end';
  /** Cut with an ellipsis to this many px. */
  maxWidth?: number;
  id?: string;
  transform?: string;
}

/** One line of text whose baseline starts (or is centred, or ends) at (x, y). */
export function text(x: number, y: number, content: string, style: TextStyle): string {
  const shown = style.maxWidth === undefined ? content : fitText(content, style.size, style.maxWidth, style.bold);
  const attrs = [
    style.id === undefined ? '' : ` id="${style.id}"`,
    style.transform === undefined ? ` x="${num(x)}" y="${num(y)}"` : ` transform="${style.transform}"`,
    ` font-size="${style.size}"`,
    style.bold ? ' font-weight="bold"' : '',
    style.fill === undefined ? '' : ` fill="${style.fill}"`,
    style.anchor === undefined || style.anchor === 'start' ? '' : ` text-anchor="${style.anchor}"`
  ];
  return `<text${attrs.join('')}>${xmlText(shown)}</text>`;
}
