/**
 * Text on the package map: XML escaping of what users wrote (owner names, contacts, ids), and
 * widths measured with DejaVu Sans's own advance widths, so that a long name is cut with an
 * ellipsis instead of running out of its column.
 */

/** DejaVu Sans advance widths of the printable ASCII characters (32..126), in 1/2048 em. */
const REGULAR = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716,
  1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251,
  1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212,
  1675, 1212, 1212, 1075, 1303, 690, 1303, 1716
];
/** DejaVu Sans Bold, likewise. */
const BOLD = [
  713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716,
  1716, 1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483,
  1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335,
  1892, 1321, 1335, 1192, 1458, 748, 1458, 1716
];
/** Beyond ASCII (æ, ø, å, accents, other scripts): a width no DejaVu Sans letter exceeds by much. */
const WIDE = 2100;
const ELLIPSIS = '…';
const ELLIPSIS_WIDTH = 2048;

/**
 * Characters XML 1.0 does not allow (controls, lone surrogates, U+FFFE/U+FFFF) and bidirectional
 * overrides, which would let a name reorder the text printed after it.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text as it may stand in SVG character data or a double-quoted attribute. */
export function xmlText(text: string): string {
  return clean(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The text without unprintable characters, runs of white space as one space. */
export function clean(text: string): string {
  return text.replace(UNPRINTABLE, '').replace(/\s+/g, ' ').trim();
}

/** The width of a line of text at a font size (px), in px. */
export function textWidth(text: string, size: number, bold = false): number {
  let units = 0;
  for (const ch of text) units += advance(ch, bold);
  return (units * size) / 2048;
}

/** The text, cut with an ellipsis where needed to fit `width` px; cleaned, not yet escaped. */
export function fitText(text: string, size: number, width: number, bold = false): string {
  const line = clean(text);
  if (textWidth(line, size, bold) <= width) return line;
  const budget = (width * 2048) / size - ELLIPSIS_WIDTH;
  let units = 0;
  let out = '';
  for (const ch of line) {
    units += advance(ch, bold);
    if (units > budget) break;
    out += ch;
  }
  return `${out.trimEnd()}${ELLIPSIS}`;
}

function advance(ch: string, bold: boolean): number {
  const code = ch.codePointAt(0) ?? 0;
  return code >= 32 && code <= 126 ? (bold ? BOLD : REGULAR)[code - 32] : WIDE;
}
