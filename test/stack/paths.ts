import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Local state of the embedded stack (database files, Temporal's SQLite, generated secrets); git-ignored. */
export const stateDir = path.join(repoRoot, '.chipgate');
