/**
 * Module boundaries (DESIGN.md "Modules"): schemas ← platform ← ingest, stream-processors,
 * inference ← api ← bin. Stages never import each other, and nobody reaches into another
 * module's internals: across modules, only a module's index.ts may be imported.
 */
const stages = '(ingest|stream-processors|inference)';
module.exports = {
  forbidden: [
    {
      name: 'stages-talk-only-through-topics',
      comment: 'a stage must not import another stage; they exchange events through the Log',
      severity: 'error',
      from: { path: `^${stages}/` },
      to: { path: `^${stages}/`, pathNot: ['^$1/'] },
    },
    {
      name: 'schemas-import-nothing',
      severity: 'error',
      from: { path: '^schemas/' },
      to: { path: '^(platform|ingest|stream-processors|inference|api|bin|bench|dashboards)/' },
    },
    {
      name: 'platform-imports-only-schemas',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(ingest|stream-processors|inference|api|bin|bench|dashboards)/' },
    },
    {
      name: 'stages-do-not-import-api-or-bin',
      severity: 'error',
      from: { path: `^${stages}/` },
      to: { path: '^(api|bin|bench)/' },
    },
    {
      name: 'api-does-not-import-bin',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(bin|bench)/' },
    },
    {
      name: 'only-index-across-modules',
      comment: 'import another module through its index.ts, never its internals',
      severity: 'error',
      from: { path: '^(schemas|platform|ingest|stream-processors|inference|api|bin|bench|test)/' },
      to: {
        path: '^(schemas|platform|ingest|stream-processors|inference|api)/',
        pathNot: ['^$1/', '^[^/]+/index\\.ts$'],
      },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules|\\.test\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
