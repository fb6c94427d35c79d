import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['bin/**', 'examples/**', 'bench/**', 'scripts/**', 'src/cli/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The browser's globals: `tsc -p console` checks every name against the DOM's types.
    files: ['console/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['bin/**/*.js', 'test/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
)
