// A structural check of the Markdown the summary writes, as GitHub (cmark-gfm) reads it: fenced code blocks are
// closed, every table row has the header's number of cells, <details>/<summary> are balanced, and no HTML tag
// outside code is anything but the few the summary uses itself.

const ALLOWED_TAGS = new Set(['details', 'summary', 'br', 'sub']);

/**
 * Cells of a table row as cmark-gfm splits it: on every pipe not preceded by a backslash (its cell scanner takes
 * the longest match, so `\\|` does not split either), minus the outer two.
 */
export function cellCount(line: string): number {
  let pipes = 0;
  for (let i = 0; i < line.length; i++) if (line[i] === '|' && line[i - 1] !== '\\') pipes++;
  return pipes - 1;
}

/** The line without its code spans (their text is shown literally, so `<` there is no tag). */
export function withoutCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      out += line[i];
      i++;
      continue;
    }
    let n = 0;
    while (line[i + n] === '`') n++;
    // The closing run has exactly the same length.
    let j = i + n;
    let close = -1;
    while (j < line.length) {
      if (line[j] === '`') {
        let m = 0;
        while (line[j + m] === '`') m++;
        if (m === n) {
          close = j;
          break;
        }
        j += m;
      } else j++;
    }
    if (close < 0) {
      out += line.slice(i, i + n);
      i += n;
    } else {
      out += '``';
      i = close + n;
    }
  }
  return out;
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

export function markdownProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  let fence: { char: string; length: number; line: number } | undefined;
  let details = 0;
  let summaries = 0;
  let table: { cells: number; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length) fence = undefined;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      if (open[1]![0] === '`' && open[2]!.includes('`'))
        problems.push(`line ${i + 1}: backtick in a fence's info`);
      fence = { char: open[1]![0]!, length: open[1]!.length, line: i + 1 };
      table = undefined;
      continue;
    }
    const visible = withoutCodeSpans(line);
    details += count(visible, /<details\b[^>]*>/g) - count(visible, /<\/details>/g);
    summaries += count(visible, /<summary>/g) - count(visible, /<\/summary>/g);
    if (details < 0) problems.push(`line ${i + 1}: </details> without <details>`);
    if (summaries !== 0) problems.push(`line ${i + 1}: <summary> not closed on its line`);
    for (const tag of visible.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)/g))
      if (!ALLOWED_TAGS.has(tag[1]!.toLowerCase())) problems.push(`line ${i + 1}: raw HTML <${tag[1]}>`);

    if (line.startsWith('|')) {
      const cells = cellCount(line);
      if (!line.trimEnd().endsWith('|') || line.trimEnd().endsWith('\\|'))
        problems.push(`line ${i + 1}: table row does not end with a pipe`);
      if (!table) {
        const separator = lines[i + 1] ?? '';
        if (!/^\|(?:\s*:?-{3,}:?\s*\|)+\s*$/.test(separator)) {
          problems.push(`line ${i + 1}: table row without a header separator`);
          continue;
        }
        if (cellCount(separator) !== cells)
          problems.push(`line ${i + 2}: separator has ${cellCount(separator)} cells, header ${cells}`);
        if (i > 0 && lines[i - 1] !== '') problems.push(`line ${i + 1}: table not preceded by a blank line`);
        table = { cells, line: i + 1 };
        i++;
      } else if (cells !== table.cells) {
        problems.push(
          `line ${i + 1}: ${cells} cells in a table of ${table.cells} (header line ${table.line})`,
        );
      }
    } else {
      table = undefined;
    }
  }
  if (fence) problems.push(`code fence opened on line ${fence.line} is never closed`);
  if (details !== 0) problems.push(`${details} <details> not closed`);
  return problems;
}
