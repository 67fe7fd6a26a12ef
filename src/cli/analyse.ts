import { CliError } from './errors.js';

/** `serviceatlas analyse …` — filled in by the access module. */
export async function runAnalyseCommand(_argv: string[]): Promise<number> {
  throw new CliError('analyse is not available yet');
}
