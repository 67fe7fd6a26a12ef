/**
 * Runs several CLI command lines through the real entry point (runCli) in ONE process, capturing each
 * one's stdout, stderr and exit code, and writes them as JSON to the file named by argv[2]. Used for
 * command lines that never open a database (help, option errors): one Node start instead of one each.
 *   node --import tsx test/cli/batch-driver.ts <out.json> '<json array of argv arrays>'
 */
import { writeFileSync } from 'node:fs';
import { runCli } from '../../src/cli/index.js';

const [out, json] = process.argv.slice(2);
const cases = JSON.parse(json!) as string[][];
const results: { code: number; stdout: string; stderr: string }[] = [];
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
for (const args of cases) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    code = await runCli(args);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  results.push({ code, stdout, stderr });
}
writeFileSync(out!, JSON.stringify(results));
