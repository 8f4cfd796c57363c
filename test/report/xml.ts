// A strict little XML parser for tests: enough of XML 1.0 to prove a document is well-formed
// (one root, balanced tags, quoted unique attributes, only the five named entities and character
// references, no raw `<` or `&`, no characters XML forbids) and to query what it holds.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(raw: string, at: number): string {
  if (raw.includes('<')) throw new Error(`raw '<' in text or attribute near offset ${at}`);
  return raw.replace(/&([^;]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new Error(`unterminated entity near offset ${at}: ${match}`);
    if (body in ENTITIES) return ENTITIES[body] as string;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (m === null) throw new Error(`unknown entity &${body}; near offset ${at}`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    const ch = String.fromCodePoint(code);
    if (FORBIDDEN.test(ch)) throw new Error(`character reference to a forbidden character near offset ${at}`);
    return ch;
  });
}

export function parseXml(doc: string): XmlElement {
  if (FORBIDDEN.test(doc)) throw new Error(`forbidden character at offset ${doc.search(FORBIDDEN)}`);
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (i < doc.length && /\s/.test(doc[i] as string)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(doc);
    if (m === null) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  const element = (): XmlElement => {
    if (doc[i] !== '<') fail("expected '<'");
    i++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (doc.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = name();
      if (attr in el.attributes) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (doc[i] !== '=') fail("expected '='");
      i++;
      skipSpace();
      const quote = doc[i];
      if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
      const end = doc.indexOf(quote, i + 1);
      if (end < 0) fail('unterminated attribute value');
      el.attributes[attr] = decode(doc.slice(i + 1, end), i);
      i = end + 1;
    }
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${el.name}>`);
      el.text += decode(doc.slice(i, lt), i);
      i = lt;
      if (doc.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (doc[i] !== '>') fail("expected '>'");
        i++;
        return el;
      }
      if (doc.startsWith('<!--', i)) {
        const end = doc.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== doc.length) fail('content after the root element');
  return root;
}

/** Every element named `name` under (and including) `root`, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  return [...(root.name === name ? [root] : []), ...root.children.flatMap((c) => findAll(c, name))];
}
