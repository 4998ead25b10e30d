/**
 * Per-layer compression policy: which layers get which bit width, block size, grid and algorithm, and
 * which stay float — the role of MNN's `--compressionParamsFile`, as plain JSON. A rule matches a
 * weight by the weight's value name or by the name of any node that reads it, exactly or by a glob
 * pattern (`*` any run of characters, `?` one character; the whole name must match).
 *
 * Two equivalent shapes are accepted:
 *
 * ```json
 * { "*": { "bits": 4, "block": 32 }, "conv2d_1*": { "bits": 8 }, "linear_85.w_0": { "skip": true } }
 * [{ "match": "*", "bits": 4, "block": 32 }, { "match": "linear_85.w_0", "skip": true }]
 * ```
 *
 * (or either one under a `"layers"` key). Every rule that matches applies, in file order: a later rule
 * overrides the fields it sets, so put general patterns first. (JavaScript orders object keys that look
 * like integers, e.g. `"1000"`, before the others: use the array form for such names.) Rule fields:
 * `bits` (2–8), `block` (reduction rows per block, 0 = per channel; `blockSize` is an alias), `symmetric`
 * (boolean), `algo` (`"minmax"`, `"mse"` or `"hqq"`; `algorithm` is an alias), `fp16: true` (store as FP16
 * instead), `skip: true` (keep float32). Unknown fields are an error, so typos do not pass silently.
 * @module
 */
import type { QuantAlgorithm } from "../graph/quantized_tensor.ts";

/** The settings one policy rule gives a layer; unset fields leave the command-line options in force. */
export interface LayerRule {
  /** Code width, 2..8 (quantize at this width even where the options say FP16). */
  bits?: number;
  /** Reduction rows per block; 0 = per output channel. */
  blockSize?: number;
  /** Symmetric grid. */
  symmetric?: boolean;
  /** Fitting algorithm. */
  algorithm?: QuantAlgorithm;
  /** Store as FP16 instead of integer codes. */
  fp16?: boolean;
  /** Keep the weight as it is (float32). */
  skip?: boolean;
}

/** One rule: a name or glob pattern and its settings. */
export interface PolicyRule {
  /** The name or pattern as written. */
  pattern: string;
  /** The settings. */
  rule: LayerRule;
  /** Tests a name against the pattern. */
  test: (name: string) => boolean;
}

/** A parsed policy: its rules in file order. */
export interface CompressionPolicy {
  /** Rules in the order they apply. */
  rules: PolicyRule[];
}

const ALGORITHMS: readonly string[] = ["minmax", "mse", "hqq"];
const FIELDS: Readonly<Record<string, keyof LayerRule>> = {
  bits: "bits",
  block: "blockSize",
  blockSize: "blockSize",
  symmetric: "symmetric",
  algo: "algorithm",
  algorithm: "algorithm",
  fp16: "fp16",
  skip: "skip",
};

/**
 * A matcher for a glob pattern: `*` matches any run of characters (`/` included), `?` one character,
 * everything else itself; the whole name must match.
 *
 * @example
 * ```ts
 * const m = globMatcher("conv2d_1*.w_0");
 * if (!m("conv2d_12.w_0") || m("conv2d_2.w_0")) throw new Error("glob");
 * ```
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseRule(pattern: string, raw: Record<string, unknown>, where: string): LayerRule {
  const rule: LayerRule = {};
  const fail = (message: string): never => {
    throw new RangeError(`${where}: rule "${pattern}": ${message}`);
  };
  for (const [key, value] of Object.entries(raw)) {
    if (key === "match") continue;
    const field = FIELDS[key];
    if (field === undefined) fail(`unknown field "${key}" (known: ${Object.keys(FIELDS).join(", ")})`);
    switch (field) {
      case "bits":
        if (!Number.isInteger(value) || (value as number) < 2 || (value as number) > 8) {
          fail(`bits must be an integer from 2 to 8, got ${JSON.stringify(value)}`);
        }
        rule.bits = value as number;
        break;
      case "blockSize":
        if (!Number.isInteger(value) || (value as number) < 0) {
          fail(`${key} must be a whole number (0 = per channel), got ${JSON.stringify(value)}`);
        }
        rule.blockSize = value as number;
        break;
      case "algorithm":
        if (typeof value !== "string" || !ALGORITHMS.includes(value)) {
          fail(`${key} must be one of ${ALGORITHMS.join(", ")}, got ${JSON.stringify(value)}`);
        }
        rule.algorithm = value as QuantAlgorithm;
        break;
      default:
        if (typeof value !== "boolean") fail(`${key} must be true or false, got ${JSON.stringify(value)}`);
        rule[field as "symmetric" | "fp16" | "skip"] = value as boolean;
    }
  }
  if (rule.fp16 && rule.bits !== undefined) fail(`"fp16": true and "bits" contradict each other; choose one`);
  return rule;
}

/**
 * Parses a policy from its JSON value (see the module doc for the shapes). `where` names the source in
 * errors. Throws `TypeError` for a wrong shape and `RangeError` for a bad value, naming the rule.
 *
 * @example
 * ```ts
 * const policy = parseCompressionPolicy({ "*": { bits: 4 }, "head*": { skip: true } });
 * if (resolveLayerRule(policy, ["head.fc"]).rule.skip !== true) throw new Error("later rule wins");
 * ```
 */
export function parseCompressionPolicy(json: unknown, where = "policy"): CompressionPolicy {
  const body = isRecord(json) && "layers" in json && Object.keys(json).length === 1 ? json["layers"] : json;
  const entries: [string, Record<string, unknown>][] = [];
  if (Array.isArray(body)) {
    body.forEach((item, i) => {
      if (!isRecord(item) || typeof item["match"] !== "string" || item["match"] === "") {
        throw new TypeError(`${where}: item ${i} must be an object with a "match" name or pattern`);
      }
      entries.push([item["match"], item]);
    });
  } else if (isRecord(body)) {
    for (const [pattern, value] of Object.entries(body)) {
      if (!isRecord(value)) throw new TypeError(`${where}: the settings of "${pattern}" must be an object`);
      entries.push([pattern, value]);
    }
  } else {
    throw new TypeError(`${where} must be a JSON object of name or pattern → settings, or an array of rules`);
  }
  return {
    rules: entries.map(([pattern, raw]) => ({
      pattern,
      rule: parseRule(pattern, raw, where),
      test: globMatcher(pattern),
    })),
  };
}

/** The settings for a layer known by `names`, and the patterns that gave them. */
export interface ResolvedRule {
  /** The merged settings (empty when no rule matches). */
  rule: LayerRule;
  /** The patterns that matched, in order. */
  patterns: string[];
}

/**
 * Merges every rule of `policy` matching any of `names` (the weight's value name and its readers'
 * node names), in file order.
 *
 * @example
 * ```ts
 * const policy = parseCompressionPolicy([{ match: "*", bits: 4 }, { match: "fc", bits: 8, block: 0 }]);
 * const { rule } = resolveLayerRule(policy, ["fc.weight", "fc"]);
 * if (rule.bits !== 8 || rule.blockSize !== 0) throw new Error("fc is 8-bit per channel");
 * ```
 */
export function resolveLayerRule(policy: CompressionPolicy | undefined, names: readonly string[]): ResolvedRule {
  const rule: LayerRule = {};
  const patterns: string[] = [];
  for (const r of policy?.rules ?? []) {
    if (!names.some((n) => r.test(n))) continue;
    patterns.push(r.pattern);
    if (r.rule.bits !== undefined) delete rule.fp16;
    if (r.rule.fp16) delete rule.bits;
    Object.assign(rule, r.rule);
  }
  return { rule, patterns };
}
