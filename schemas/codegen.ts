import { loadSchema, schemaFiles, type SchemaName } from './catalog.ts';

/**
 * Writes TypeScript types from the .avsc files, so the types are derived, never hand-duplicated.
 * `npm run gen:types` rewrites types.generated.ts; a test fails when it is stale.
 */
type Json = string | { type: string; [k: string]: unknown } | Json[];

export function generateTypes(): string {
  const out: string[] = [
    '// Generated from schemas/*.avsc by `npm run gen:types`. Do not edit.',
    '/* eslint-disable */',
    '',
  ];
  const emitted = new Set<string>();
  const named: string[] = [];

  function tsType(t: Json): string {
    if (Array.isArray(t)) {
      return t.map(tsType).join(' | ');
    }
    if (typeof t === 'string') {
      switch (t) {
        case 'null':
          return 'null';
        case 'boolean':
          return 'boolean';
        case 'int':
        case 'long':
        case 'float':
        case 'double':
          return 'number';
        case 'string':
          return 'string';
        case 'bytes':
          return 'Buffer';
        default:
          return t.split('.').pop() as string;
      }
    }
    switch (t.type) {
      case 'array':
        return `${wrap(tsType(t['items'] as Json))}[]`;
      case 'map':
        return `Record<string, ${tsType(t['values'] as Json)}>`;
      case 'enum': {
        const name = t['name'] as string;
        if (!emitted.has(name)) {
          emitted.add(name);
          const symbols = (t['symbols'] as string[]).map((s) => `'${s}'`).join(' | ');
          named.push(`export type ${name} = ${symbols};\n`);
        }
        return name;
      }
      case 'record': {
        const name = t['name'] as string;
        if (!emitted.has(name)) {
          emitted.add(name);
          const fields = (t['fields'] as { name: string; type: Json; doc?: string }[]).map((f) => {
            const doc = f.doc ? `  /** ${f.doc} */\n` : '';
            return `${doc}  ${f.name}: ${tsType(f.type)};`;
          });
          const doc = t['doc'] ? `/** ${t['doc'] as string} */\n` : '';
          named.push(`${doc}export interface ${name} {\n${fields.join('\n')}\n}\n`);
        }
        return name;
      }
      default:
        return tsType(t.type as Json);
    }
  }

  for (const name of Object.keys(schemaFiles) as SchemaName[]) {
    tsType(loadSchema(name) as Json);
  }
  return out.concat(named).join('\n');
}

function wrap(t: string): string {
  return t.includes('|') ? `(${t})` : t;
}
