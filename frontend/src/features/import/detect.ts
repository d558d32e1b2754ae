// Guessing the format of a dropped file, so the user does not have to pick it.
import type { ImportFormat } from '../../gql/graphql';

/** POSTMAN when the document is a Postman collection (info._postman_id or a getpostman schema), else CATENA. */
export function detectFormat(text: string): ImportFormat {
  const t = text.trimStart();
  if (!t.startsWith('{')) return 'CATENA'; // YAML is always a Catena file
  try {
    const v: unknown = JSON.parse(t);
    if (typeof v === 'object' && v !== null && 'info' in v) {
      const info = (v as { info: unknown }).info;
      if (typeof info === 'object' && info !== null) {
        const i = info as Record<string, unknown>;
        if (typeof i._postman_id === 'string' || (typeof i.schema === 'string' && i.schema.includes('getpostman'))) return 'POSTMAN';
      }
      if ('item' in v) return 'POSTMAN';
    }
  } catch {
    // Not JSON: let the server explain.
  }
  return 'CATENA';
}
