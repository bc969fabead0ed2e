// Writes platform.schema.json (JSON Schema of platform.yaml, for editors) from the zod schema.
import { writeFileSync } from 'node:fs';
import { platformJsonSchema } from '../platform/json-schema';

const file = process.argv[2] ?? 'platform.schema.json';
writeFileSync(file, platformJsonSchema());
console.log(`wrote ${file}`);
