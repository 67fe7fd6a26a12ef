/**
 * The light half of the CLI's command layer: what a command's output is, how it travels to and from the
 * server holding the embedded data directory (src/http/internal-command.ts), and how the CLI prints it.
 *
 * Kept apart from command.ts on purpose: this file imports nothing of the application (no database, no
 * GraphQL, no engine), so a command sent through a running server costs the process start and one HTTP
 * request, not the ~5 s of loading the whole application's modules. cli/index.ts loads the rest lazily,
 * only when the command runs here.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { LockHolder } from '../db/data-dir-lock.js';
import { DataDirBusyError, describeHolder } from '../db/data-dir-lock.js';
import { CliError } from './errors.js';

/** What a command prints and writes, made by `run` wherever it ran, applied by the CLI process. */
export interface CommandOutput {
  /** Files to write, in order (paths as the user gave them: resolved where the CLI runs). */
  files: { path: string; content: string | Uint8Array }[];
  /** Standard output (text or bytes: the report's zip). */
  stdout: string | Uint8Array;
  /** Lines for standard error after the output (summaries). */
  stderr: string[];
}

/** A ready server (it listens, and takes imports and commands through its internal endpoints). */
export const isReadyServer = (holder: LockHolder | null): holder is LockHolder & { port: number } =>
  holder?.command === 'serve' && holder.port !== null;

/** Writes a command's files, prints its stdout, then its stderr lines. */
export function apply(result: CommandOutput): void {
  for (const file of result.files) writeFileSync(file.path, file.content);
  if (typeof result.stdout === 'string' ? result.stdout.length > 0 : result.stdout.byteLength > 0)
    process.stdout.write(result.stdout);
  for (const line of result.stderr) console.error(line);
}

/** The internal endpoint's answer (JSON; byte contents as base64). */
export type CommandAnswer =
  | {
      ok: true;
      stdout: { text: string } | { base64: string };
      stderr: string[];
      files: ({ path: string; text: string } | { path: string; base64: string })[];
    }
  | { ok: false; exit: 1 | 2; message: string };

const encode = (content: string | Uint8Array) =>
  typeof content === 'string' ? { text: content } : { base64: Buffer.from(content).toString('base64') };
const decode = (content: { text: string } | { base64: string }) =>
  'text' in content ? content.text : new Uint8Array(Buffer.from(content.base64, 'base64'));

/** A CommandOutput as the endpoint sends it. */
export function encodeOutput(result: CommandOutput): CommandAnswer {
  return {
    ok: true,
    stdout: encode(result.stdout),
    stderr: result.stderr,
    files: result.files.map((f) => ({ path: f.path, ...encode(f.content) })),
  };
}

export const INTERNAL_COMMAND_PATH = '/internal/command';

/**
 * Runs the command `name` through the server in the lock: says so on stderr, sends it, applies its output
 * here. The CLI's one way through a server, whether it saw the server before opening anything (cli/index.ts)
 * or only when the lock refused it (command.ts).
 */
export async function sendThroughServer(
  dataDir: string,
  holder: LockHolder & { port: number },
  name: string,
  options: unknown,
): Promise<void> {
  console.error(
    `serviceatlas: ${dataDir} is held by ${describeHolder(holder)}: ` +
      `running \`${name}\` through it (http://127.0.0.1:${holder.port}).`,
  );
  apply(await runThroughServer(dataDir, holder, name, options));
}

/** POSTs the command to the server in the lock (its loopback endpoint, the lock's secret) and decodes the answer. */
async function runThroughServer(
  dataDir: string,
  holder: LockHolder,
  name: string,
  options: unknown,
): Promise<CommandOutput> {
  const body = JSON.stringify({ command: name, options });
  let status = 0;
  let text = '';
  try {
    text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: holder.port ?? 0,
          path: INTERNAL_COMMAND_PATH,
          method: 'POST',
          headers: {
            authorization: `Bearer ${holder.secret}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  } catch (error) {
    throw new DataDirBusyError(
      dataDir,
      holder,
      `${dataDir} is in use by ${describeHolder(holder)}, and \`${name}\` could not be sent through it: ` +
        `${(error as Error).message}. Nothing was done.`,
    );
  }
  let answer: CommandAnswer;
  try {
    answer = JSON.parse(text) as CommandAnswer;
  } catch {
    throw new Error(`the server answered HTTP ${status} with no command result: ${text.slice(0, 200)}`);
  }
  if (!answer.ok) {
    if (answer.exit === 1) throw new CliError(answer.message);
    throw new Error(`(in the server) ${answer.message}`);
  }
  return {
    stdout: decode(answer.stdout),
    stderr: answer.stderr,
    files: answer.files.map((f) => ({ path: f.path, content: decode(f) })),
  };
}
