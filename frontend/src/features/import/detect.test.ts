import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect';

describe('detectFormat', () => {
  it('recognises Postman v2.1 collections', () => {
    expect(detectFormat(JSON.stringify({ info: { _postman_id: 'x', name: 'n', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [] }))).toBe('POSTMAN');
    expect(detectFormat(JSON.stringify({ info: { name: 'n' }, item: [] }))).toBe('POSTMAN');
    expect(detectFormat(JSON.stringify({ item: [{ name: 'no info.schema', request: 'http://a' }] }))).toBe('POSTMAN');
  });
  it('recognises Postman environments and globals', () => {
    expect(detectFormat(JSON.stringify({ name: 'dev', values: [{ key: 'APIURL', value: 'x' }], _postman_variable_scope: 'environment' }))).toBe('ENVIRONMENT');
    expect(detectFormat(JSON.stringify({ name: 'g', values: [] }))).toBe('ENVIRONMENT');
  });
  it('recognises OpenAPI in JSON and YAML, HAR and curl', () => {
    expect(detectFormat('{"openapi": "3.0.3", "info": {}, "paths": {}}')).toBe('OPENAPI');
    expect(detectFormat('# Petstore\nopenapi: 3.0.2\ninfo:\n  title: x\n')).toBe('OPENAPI');
    expect(detectFormat(JSON.stringify({ log: { version: '1.2', entries: [] } }))).toBe('HAR');
    expect(detectFormat("curl -X POST https://api.example.test/x -d 'a=1'")).toBe('CURL');
    expect(detectFormat('\uFEFF$ curl https://a.test')).toBe('CURL');
  });
  it('treats YAML and Catena JSON as Catena files', () => {
    expect(detectFormat('name: flow\nsteps: []\n')).toBe('CATENA');
    expect(detectFormat('{"name": "flow", "steps": []}')).toBe('CATENA');
    expect(detectFormat('{broken')).toBe('CATENA');
    expect(detectFormat('curling: yes\n')).toBe('CATENA');
  });
});
