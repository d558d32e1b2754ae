import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect';

describe('detectFormat', () => {
  it('recognises Postman v2.1 collections', () => {
    expect(detectFormat(JSON.stringify({ info: { _postman_id: 'x', name: 'n', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [] }))).toBe('POSTMAN');
    expect(detectFormat(JSON.stringify({ info: { name: 'n' }, item: [] }))).toBe('POSTMAN');
  });
  it('treats YAML and Catena JSON as Catena files', () => {
    expect(detectFormat('name: flow\nsteps: []\n')).toBe('CATENA');
    expect(detectFormat('{"name": "flow", "steps": []}')).toBe('CATENA');
    expect(detectFormat('{broken')).toBe('CATENA');
  });
});
