import { describe, expect, it } from 'vitest';
import { locationSuggestions } from './locations';

describe('locationSuggestions', () => {
  it('offers local first, then known locations by name, once each', () => {
    expect(locationSuggestions(['us-east', 'eu-west', 'local', 'eu-west'], [])).toEqual(['local', 'eu-west', 'us-east']);
  });
  it('leaves out the locations already picked', () => {
    expect(locationSuggestions(['eu-west', 'us-east'], ['local', 'us-east'])).toEqual(['eu-west']);
  });
  it('offers local on a fresh install', () => {
    expect(locationSuggestions([], [])).toEqual(['local']);
  });
});
