import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the GraphQL operations written next to their components
// with graphql(`…`). `npm run codegen` regenerates src/gql/; `npm run codegen:check`
// (run by `make frontend-test`) fails when it is stale against the schema.
const config: CodegenConfig = {
  schema: '../graph/schema/*.graphqls',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: { unmaskFunctionName: 'getFragmentData' } },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          ID: 'string',
          Time: 'string',
          DateTime: 'string',
          Duration: 'string',
          JSON: 'unknown',
          Map: 'Record<string, string>',
          Int64: 'number',
        },
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      },
    },
  },
};

export default config;
