import { readJsonTree } from './json-reader.js';
import { readRadial } from './radial-reader.js';
import { readFailure } from './reader-errors.js';
import type { Tree } from './tree.js';
import { readXml, type XmlReadOptions } from './xml-reader.js';

export type DefinitionReadOptions = XmlReadOptions;

/**
 * Reads a process definition in whichever form it comes: an array is a JSON tree; a string whose
 * first non-blank character is `<` is XML, `[` (or `{`) is a JSON tree (its JSON errors are
 * reported as such); any other string is Radial. Throws WorkflowInvalid (WEFT_WORKFLOW_INVALID, 400) with
 * `details: { message, line?, column? }` when the definition cannot be read.
 */
export function readDefinition(input: unknown, options: DefinitionReadOptions = {}): Tree {
  if (Array.isArray(input)) return readJsonTree(input);
  if (typeof input !== 'string') {
    throw readFailure(`a definition is a string (JSON, XML or Radial) or a JSON array, not ${input === null ? 'null' : typeof input}`);
  }
  const first = /\S/.exec(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input)?.[0];
  if (first === '<') return readXml(input, options);
  // `{` cannot start a Radial line; reading it as JSON says what a JSON definition must be.
  if (first === '[' || first === '{') return readJsonTree(input);
  return readRadial(input);
}
