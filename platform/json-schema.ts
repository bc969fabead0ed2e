import { z } from 'zod';
import { platformSpec } from './schema';

/** JSON Schema (draft 2020-12) of the platform spec, as committed in platform.schema.json. */
export function platformJsonSchema(): string {
  const schema = z.toJSONSchema(platformSpec, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Platform spec (platform.yaml)' }, null, 2)}\n`;
}
