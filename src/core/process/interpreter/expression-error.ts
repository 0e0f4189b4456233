// An error raised by an expression (ruote's ForcedError, ArgumentError, ...): handled by the
// nearest on_error, else recorded as a process error that replay can resume.
export class ExpressionError extends Error {
  constructor(message: string, readonly errorClass = 'Ruote::ForcedError') {
    super(message);
  }
}
