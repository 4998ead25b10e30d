// A parser for the Python literal subset that .npy headers use: dicts, tuples, lists, strings,
// integers, True/False/None. Throws SyntaxError with the character offset on anything else.

/** A parsed Python literal. Dicts keep only string keys (all a header has). */
export type PyValue =
  | string
  | number
  | boolean
  | null
  | { tuple: PyValue[] }
  | { list: PyValue[] }
  | { dict: Map<string, PyValue> };

/** Parses `text` as one Python literal (surrounding whitespace allowed). */
export function parsePyLiteral(text: string): PyValue {
  const parser = new Parser(text);
  const value = parser.value();
  parser.skipSpace();
  if (parser.pos !== text.length) parser.fail("unexpected text after the value");
  return value;
}

class Parser {
  pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  fail(what: string): never {
    throw new SyntaxError(`${what} at character ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.#text.length && " \t\r\n".includes(this.#text[this.pos]!)) this.pos++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.#text[this.pos];
    if (c === undefined) this.fail("unexpected end of header");
    if (c === "{") return { dict: this.#dict() };
    if (c === "(") return { tuple: this.#sequence("(", ")") };
    if (c === "[") return { list: this.#sequence("[", "]") };
    if (c === "'" || c === '"') return this.#string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.#integer();
    for (const [word, v] of [["True", true], ["False", false], ["None", null]] as const) {
      if (this.#text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  #expect(c: string): void {
    this.skipSpace();
    if (this.#text[this.pos] !== c) this.fail(`expected "${c}"`);
    this.pos++;
  }

  /** True (and consumed) when the next non-space character is `c`. */
  #accept(c: string): boolean {
    this.skipSpace();
    if (this.#text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  #dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    this.#expect("{");
    while (!this.#accept("}")) {
      const keyAt = this.pos;
      const key = this.value();
      if (typeof key !== "string") {
        this.pos = keyAt;
        this.fail("expected a string key");
      }
      this.#expect(":");
      out.set(key, this.value());
      if (!this.#accept(",")) {
        this.#expect("}");
        break;
      }
    }
    return out;
  }

  #sequence(open: string, close: string): PyValue[] {
    const out: PyValue[] = [];
    this.#expect(open);
    while (!this.#accept(close)) {
      out.push(this.value());
      if (!this.#accept(",")) {
        this.#expect(close);
        break;
      }
    }
    return out;
  }

  #string(): string {
    const quote = this.#text[this.pos]!;
    let out = "";
    this.pos++;
    for (;;) {
      const c = this.#text[this.pos];
      if (c === undefined || c === "\n") this.fail("unterminated string");
      this.pos++;
      if (c === quote) return out;
      if (c === "\\") {
        const e = this.#text[this.pos];
        if (e === undefined) this.fail("unterminated string");
        this.pos++;
        out += e === "n" ? "\n" : e === "t" ? "\t" : e;
      } else {
        out += c;
      }
    }
  }

  #integer(): number {
    const match = /^-?[0-9]+L?/.exec(this.#text.slice(this.pos, this.pos + 40));
    if (!match) this.fail("expected an integer");
    this.pos += match[0].length;
    const value = Number(match[0].replace("L", ""));
    if (!Number.isSafeInteger(value)) this.fail(`integer ${match[0]} is too large`);
    return value;
  }
}
