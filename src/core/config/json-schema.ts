import { z } from 'zod';
import type { PathSegment } from './path.ts';
import { configSchema } from './schema.ts';

/** The parts of a JSON Schema node this module walks. */
interface SchemaNode {
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

/** The keys an object at `path` may have (union variants merged), or `[]` if nothing is known. */
export function knownKeysAt(path: readonly PathSegment[]): string[] {
  let nodes: SchemaNode[] = [configJsonSchema() as SchemaNode];
  for (const seg of path) {
    nodes = nodes.flatMap(variants).flatMap((n) => {
      const next = typeof seg === 'number' ? n.items : n.properties?.[seg];
      return next === undefined ? [] : [next];
    });
  }
  return [...new Set(nodes.flatMap(variants).flatMap((n) => Object.keys(n.properties ?? {})))];
}

const variants = (n: SchemaNode): SchemaNode[] => [n, ...(n.oneOf ?? []).flatMap(variants), ...(n.anyOf ?? []).flatMap(variants)];
