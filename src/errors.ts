/**
 * Typed errors shared by every layer. Each carries the data a caller needs to act on it and a message
 * that says what went wrong and where (STYLE.md rules 7–8).
 * @module
 */

/** A model file that cannot be parsed: truncated, corrupt, wrong magic, or not a model at all. */
export class ModelFormatError extends SyntaxError {
  /** Byte offset where the problem was found, when known. */
  readonly offset: number | undefined;
  /** The format that was being read, e.g. `"onnx"`, `"bitloop"`, `"npy"`. */
  readonly format: string;

  constructor(format: string, message: string, options?: { offset?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ModelFormatError";
    this.format = format;
    this.offset = options?.offset;
  }
}

/** An operator, or an attribute value of one, that bitloop cannot run. Raised when a model is loaded. */
export class UnsupportedOpError extends Error {
  /** The operator type, e.g. `"NonMaxSuppression"`. */
  readonly op: string;
  /** The node's name (or its first output when the node has no name). */
  readonly node: string;
  /** The offending attribute, when the op is supported but this use of it is not. */
  readonly attribute: string | undefined;

  constructor(op: string, node: string, message: string, options?: { attribute?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UnsupportedOpError";
    this.op = op;
    this.node = node;
    this.attribute = options?.attribute;
  }
}

/** Inputs fed to a model that do not match what it declares (name, dtype or shape). */
export class InputError extends RangeError {
  /** The input's name. */
  readonly input: string;

  constructor(input: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "InputError";
    this.input = input;
  }
}

/** A failure while executing a node, wrapping the cause with the node that raised it. */
export class NodeExecutionError extends Error {
  /** The operator type. */
  readonly op: string;
  /** The node's name. */
  readonly node: string;

  constructor(op: string, node: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Node "${node}" (${op}) failed: ${reason}`, options);
    this.name = "NodeExecutionError";
    this.op = op;
    this.node = node;
  }
}
