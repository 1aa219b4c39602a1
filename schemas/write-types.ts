// `npm run gen:types`: rewrites types.generated.ts from the .avsc files.
import { writeFileSync } from 'node:fs';
import { generateTypes } from './codegen.ts';

writeFileSync(new URL('./types.generated.ts', import.meta.url), generateTypes());
