// The transform functions an inputMapping entry names as `{key, transform: {function, parameters}}`,
// with the semantics of jembi/node-object-mapper (the mapping mediator's fork of object-mapper).
// Each receives the source value (after `default`), the whole source, the whole output built so
// far, both keys, and the entry's parameters. A function that returns undefined sets nothing at the
// destination key (appendArray and passThroughObject write into the output themselves).

export type MappingFunction = (
  value: unknown,
  source: unknown,
  output: Record<string, unknown>,
  sourceKey: string,
  destinationKey: string,
  parameters: unknown,
) => unknown;

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

// The part of a destination key before its last `[]`, e.g. `a.b[]` in `a.b[].c[].d` → `a.b[].c`.
const LAST_ARRAY = /(.*\w)\[\]/;

const mapCodes: MappingFunction = (value, _s, _o, _sk, _dk, parameters) => {
  const codes = (parameters ?? {}) as Record<string, unknown>;
  if (value === null || value === undefined) {
    if ('null' in codes) return codes.null;
    if ('default' in codes) return codes.default;
    return null;
  }
  const key = String(value);
  return codes[key] ? codes[key] : codes.default;
};

const dateTimeToDate: MappingFunction = (value) => {
  if (!value) return null;
  return String(value).split('T')[0];
};

const booleanFlip: MappingFunction = (value) => (typeof value === 'boolean' ? !value : null);

// Truthiness: 0, '', NaN, null and false are false; everything else (including {} and []) is true.
const booleanify: MappingFunction = (value) => Boolean(value);

const numberify: MappingFunction = (value) => (isNaN(value as number) ? null : Number(value));

const stringify: MappingFunction = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

// One value copied to every element of an output array that earlier entries have filled.
const oneToAllElements: MappingFunction = (value, _s, output, _sk, destinationKey) => {
  if (!output || !destinationKey) {
    throw new MappingError(
      `Invalid value for parameters. Output Object: ${JSON.stringify(output)}, Transform Key: ${destinationKey}`,
    );
  }
  const match = LAST_ARRAY.exec(destinationKey);
  if (!match) throw new MappingError(`Invalid Transform Key value: ${destinationKey}`);
  const arrayField = match[1].split('.')[0];
  const target = output[arrayField];
  return Array.isArray(target) ? target.map(() => value) : [];
};

// The elements of an array value appended to the output array at the destination key.
const appendArray: MappingFunction = (value, _s, output, _sk, destinationKey) => {
  const match = LAST_ARRAY.exec(destinationKey);
  if (!match) throw new MappingError(`Invalid Transform Key: ${destinationKey}`);
  const items = Array.isArray(value) ? value : value == null ? [] : [value];
  const fields = match[1].split('.');
  let node: Record<string, unknown> = output;
  fields.forEach((field, i) => {
    if (i === fields.length - 1) {
      const existing = node[field];
      if (Array.isArray(existing)) existing.push(...items);
      else node[field] = [...items];
      return;
    }
    if (node[field] === null || typeof node[field] !== 'object') node[field] = {};
    node = node[field] as Record<string, unknown>;
  });
  return undefined;
};

// The fields of an object value copied onto the top of the output.
const passThroughObject: MappingFunction = (value, _s, output) => {
  if (value !== null && typeof value === 'object') Object.assign(output, value);
  return undefined;
};

export const MAPPING_FUNCTIONS: Readonly<Record<string, MappingFunction>> = Object.freeze({
  mapCodes,
  dateTimeToDate,
  booleanFlip,
  booleanify,
  numberify,
  stringify,
  oneToAllElements,
  appendArray,
  passThroughObject,
});

export function isMappingFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(MAPPING_FUNCTIONS, name);
}
