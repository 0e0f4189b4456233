// Process definition readers: JSON tree, XML and Radial text → one Tree form.
export type { Tree } from './tree.js';
export { normaliseName } from './tree.js';
export { WorkflowInvalid, type ReadFailureDetails } from './reader-errors.js';
export { readDefinition, type DefinitionReadOptions } from './definition-reader.js';
export { readJsonTree } from './json-reader.js';
export { readXml, type XmlReadOptions } from './xml-reader.js';
export { readRadial } from './radial-reader.js';
