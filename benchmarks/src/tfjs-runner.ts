import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TfjsReply, TfjsRequest } from './tfjs-child.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const childScript = path.join(here, 'tfjs-child.ts');

/**
 * Runs one round of the tfjs peers in a child Node process (tfjs-child.ts), started the way the parent
 * was: tsx's loader (resolved from this package, where a fresh install puts it) and the
 * `@tensorgrad/source` condition. Its progress goes through to stderr; its reply comes back. A child that
 * fails — tfjs not installed, a crash — comes back as `{ skipped }` with the reason, never as a throw.
 */
export async function runTfjsPeer(request: TfjsRequest): Promise<TfjsReply> {
  let tsx: string;
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch (error) {
    return { skipped: `tsx not found to start the tfjs child (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const args = ['--import', tsx, '--conditions=@tensorgrad/source', childScript, JSON.stringify(request)];
  return new Promise((resolve) => {
    // A child that hangs must not hang the bench: the largest config's two tfjs rounds take under two
    // minutes here, so ten is a failure (reported like any other, as a note).
    const child = spawn(process.execPath, args, { cwd: path.join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderrTail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk).slice(-4096);
    });
    child.on('error', (error) => resolve({ skipped: `the tfjs child did not start (${error.message})` }));
    child.on('close', (code, signal) => {
      // The reply is the last line that is a JSON object (V8's --trace-gc, say, writes to fd 1 directly).
      const lastLine = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{')) ?? '';
      if (code === 0) {
        try {
          resolve(JSON.parse(lastLine) as TfjsReply);
          return;
        } catch {
          // falls through: a reply that is not JSON is a failure like any other
        }
      }
      // Node ends an uncaught error's report with its version line: name the error itself.
      const lines = stderrTail.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Node.js v'));
      const lastError = [...lines].reverse().find((l) => /\b\w*Error\b/.test(l)) ?? lines.at(-1) ?? 'no output';
      resolve({ skipped: `the tfjs child ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`}: ${lastError.trim()}` });
    });
  });
}
