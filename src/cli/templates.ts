// The function templates `skyscale init --template` copies: files in the repository's
// templates/<name>/<language>/ (python, nodejs), each with its test payload event.json.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../paths.js';
import type { RuntimeLanguage } from '../model/runtimes.js';

export interface Template {
  name: string;
  summary: string;
}

export const TEMPLATES: readonly Template[] = [
  { name: 'hello', summary: 'greets event.name: the smallest function there is' },
  { name: 'http-api', summary: 'a JSON API for a function URL: payload 2.0 request in, statusCode/headers/body out (GET /health, GET /hello, POST /echo)' },
  { name: 'file-processing', summary: 'parses a CSV or JSON payload: rows, columns, sum/min/max of each numeric column' },
  { name: 'scheduled', summary: 'runs on an EventBridge scheduled event: the rule that fired, when, and the periodic work' },
];

/** Where a template's files for a language are (templates/<name>/<language>/). */
export function templateDir(name: string, language: RuntimeLanguage, root = repoPath('templates')): string {
  return join(root, name, language);
}

/** Copies a template's files into `dir` (which exists); returns the names copied. */
export function copyTemplate(name: string, language: RuntimeLanguage, dir: string, root?: string): string[] {
  const from = templateDir(name, language, root);
  if (!existsSync(from)) throw new Error(`the template ${name} has no ${language} files at ${from}`);
  cpSync(from, dir, { recursive: true });
  return readdirSync(from).sort();
}
