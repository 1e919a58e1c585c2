import { parseConfigValue } from '../../src/core/config/index.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';

/** The default config (every key at its default), for the optimizer's space and search tests. */
export const defaultConfig = (() => {
  const r = parseConfigValue({}, 'default');
  if (!r.ok) throw new Error('default config');
  return r.value;
})();

/** A parsed space from its JSON value; throws on a space the test did not mean to be invalid. */
export const space = (o: object) => {
  const r = parseSpaceText(JSON.stringify(o));
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
