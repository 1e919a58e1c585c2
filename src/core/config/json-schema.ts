import { z } from 'zod';
import type { PathSegment } from './path.ts';
import { configSchema } from './schema.ts';

/** The parts of a JSON Schema node this module walks. */
interface SchemaNode {
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
}

let cached: Record<string, unknown> | undefined;

/**
 * JSON Schema (draft 2020-12) of config.json, generated from the zod schema, for editors (R2.3).
 * Keys with a default are optional and show it; every key carries its description. Rules across
 * keys (ascending levels, the close_pct sum, liquidation) are not expressible here: the
 * descriptions state them and `ladder config validate` checks them.
 */
export function configJsonSchema(): Record<string, unknown> {
  cached ??= z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return structuredClone(cached);
}

/**
 * The keys an object at `path` may have, or `[]` if nothing is known. Of a union's variants, only
 * those whose constant keys (the discriminator) match `value`, the object itself, count.
 */
export function knownKeysAt(path: readonly PathSegment[], value?: unknown): string[] {
  return knownKeysIn(configJsonSchema(), path, value);
}

/** `knownKeysAt` in any JSON Schema (space.json's, say). */
export function knownKeysIn(schema: Record<string, unknown>, path: readonly PathSegment[], value?: unknown): string[] {
  let nodes: SchemaNode[] = [schema as SchemaNode];
  for (const seg of path) {
    nodes = nodes.flatMap(variants).flatMap((n) => {
      const next = typeof seg === 'number' ? n.items : n.properties?.[seg];
      return next === undefined ? [] : [next];
    });
  }
  const objects = nodes.flatMap(variants).filter((n) => n.properties !== undefined);
  const matching = objects.filter((n) => matches(n, value));
  return [...new Set((matching.length > 0 ? matching : objects).flatMap((n) => Object.keys(n.properties ?? {})))];
}

const variants = (n: SchemaNode): SchemaNode[] => [n, ...(n.oneOf ?? []).flatMap(variants), ...(n.anyOf ?? []).flatMap(variants)];

function matches(n: SchemaNode, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.entries(n.properties ?? {}).every(
    ([k, p]) => p.const === undefined || (value as Record<string, unknown>)[k] === p.const,
  );
}
