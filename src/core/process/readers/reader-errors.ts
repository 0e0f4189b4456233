import { defineError, type WeftError } from '../../errors.js';

/** A definition that no reader accepts. `details` holds `{ message, line?, column? }` (1-based). */
export const WorkflowInvalid = defineError('WEFT_WORKFLOW_INVALID', 400, 'workflow is invalid');

export interface ReadFailureDetails {
  message: string;
  line?: number;
  column?: number;
}

export function readFailure(message: string, position?: { line?: number; column?: number }): WeftError {
  const details: ReadFailureDetails = { message };
  if (position?.line !== undefined) details.line = position.line;
  if (position?.line !== undefined && position.column !== undefined) details.column = position.column;
  return WorkflowInvalid({ details: { ...details } });
}

/** 1-based line and column of a UTF-16 offset; `\r\n`, `\n` and a lone `\r` each end a line. */
export function positionAt(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let i = 0; i < end; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
