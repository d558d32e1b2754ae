// Guessing the format of a dropped file, so the user does not have to pick it.
import type { ImportFormat } from '../../gql/graphql';

/** What a document looks like: an importable format, or a Postman environment (which holds values, not requests). */
export type Detected = ImportFormat | 'ENVIRONMENT';

/**
 * detectFormat names the format of a document: curl command lines, an OpenAPI 3
 * document (JSON or YAML), a HAR recording, a Postman collection or environment;
 * anything else is read as a Catena file and the server explains what is wrong.
 */
export function detectFormat(text: string): Detected {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (/^(\$ )?curl\s/.test(t)) return 'CURL';
  if (!t.startsWith('{')) {
    // YAML: an OpenAPI document says so at the top level; otherwise a Catena file.
    return /^openapi:/m.test(t.slice(0, 4096)) ? 'OPENAPI' : 'CATENA';
  }
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return 'CATENA'; // not JSON: let the server explain
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'CATENA';
  const o = v as Record<string, unknown>;
  if (typeof o.openapi === 'string') return 'OPENAPI';
  if (typeof o.log === 'object' && o.log !== null && 'entries' in o.log) return 'HAR';
  if (Array.isArray(o.values) && !('steps' in o) && (typeof o._postman_variable_scope === 'string' || !('item' in o))) return 'ENVIRONMENT';
  if (typeof o.info === 'object' && o.info !== null) {
    const i = o.info as Record<string, unknown>;
    if (typeof i._postman_id === 'string' || (typeof i.schema === 'string' && i.schema.includes('getpostman'))) return 'POSTMAN';
  }
  if ('item' in o) return 'POSTMAN';
  return 'CATENA';
}
