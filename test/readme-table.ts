// The README's error tables, read as the tests that reproduce them need them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The rows of the first table after `heading` in the README: [error class, example message], the class
 * and the message each quoted in backticks in the row's last two cells.
 */
export function readmeTableRows(heading: string): [string, string][] {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|---')));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Situation'))
    .map((line) => {
      const cells = line.split(' | ');
      return [/`(\w+)`/.exec(cells.at(-2)!)![1]!, /`(.*)`/.exec(cells.at(-1)!)![1]!];
    });
}
