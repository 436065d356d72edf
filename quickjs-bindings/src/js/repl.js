// REPL helpers, evaluated once per context by repl.c: tab completion, the names declared at top
// level (let/const/class are not properties of globalThis, so completion remembers them), and
// import statements turned into dynamic imports (a script cannot hold static ones).
(() => {
  const declared = new Set();
  const IDENT = /[A-Za-z_$][\w$]*/y;

  function note(src) {
    const re = /\b(?:let|const|var|class|function\*?|async\s+function\*?)\s+([A-Za-z_$][\w$]*)/g;
    for (let m; (m = re.exec(src)); ) declared.add(m[1]);
    const destructure = /\b(?:let|const|var)\s*[{[]([^}\]=]*)[}\]]/g;
    for (let m; (m = destructure.exec(src)); )
      for (const part of m[1].split(",")) {
        const name = part.split(":").pop().trim();
        if (/^[A-Za-z_$][\w$]*$/.test(name)) declared.add(name);
      }
  }

  function propertyNames(obj) {
    const seen = new Set();
    let o = obj;
    if (o === null || o === undefined) return [];
    if (typeof o !== "object" && typeof o !== "function") o = Object(o);
    for (let depth = 0; o && depth < 32; depth++, o = Object.getPrototypeOf(o)) {
      for (const k of Object.getOwnPropertyNames(o)) if (!/^\d+$/.test(k)) seen.add(k);
    }
    return [...seen];
  }

  function commonPrefix(list) {
    if (!list.length) return "";
    let p = list[0];
    for (const s of list) while (!s.startsWith(p)) p = p.slice(0, -1);
    return p;
  }

  // Completes the text before the cursor: "glo" -> globalThis..., "obj.pro" -> obj.prop...
  // Only identifier paths are evaluated (no calls), so completion has no side effects beyond
  // getters.
  function complete(line) {
    const m = /((?:[A-Za-z_$][\w$]*\s*\.\s*)*)([A-Za-z_$][\w$]*)?$/.exec(line);
    if (!m) return { insert: "", list: [] };
    const path = m[1].split(".").map((s) => s.trim()).filter(Boolean);
    const word = m[2] || "";
    let names;
    if (path.length === 0) {
      if (!word) return { insert: "", list: [] };
      names = [...propertyNames(globalThis), ...declared,
        "await", "async", "break", "case", "catch", "class", "const", "continue", "default", "delete",
        "else", "export", "false", "finally", "for", "function", "if", "import", "instanceof", "let",
        "new", "null", "return", "switch", "this", "throw", "true", "try", "typeof", "undefined",
        "var", "void", "while", "yield"];
    } else {
      let obj;
      try {
        obj = (0, eval)(path[0]);
        for (const k of path.slice(1)) obj = obj[k];
      } catch {
        return { insert: "", list: [] };
      }
      names = propertyNames(obj);
    }
    const list = [...new Set(names)].filter((n) => n.startsWith(word) && /^[A-Za-z_$][\w$]*$/.test(n)).sort();
    const prefix = commonPrefix(list);
    return { insert: prefix.slice(word.length), list };
  }

  const ID = "[A-Za-z_$][\\w$]*";
  const SPEC = new RegExp(`^\\s*(["'])([^"'\\n]*)\\1\\s*;?`);
  const FROM = new RegExp(`^\\s*([^;"']*?)\\s*\\bfrom\\s*(["'])([^"'\\n]*)\\2\\s*;?`);
  // What an import clause can look like before it is finished ("{ a,", "x, * as").
  const PARTIAL = new RegExp(`^\\s*(?:${ID}\\s*,?\\s*)?(?:\\{[^}]*\\}?|\\*\\s*(?:as\\s*(?:${ID})?)?)?\\s*(?:from\\s*(?:["'][^"'\\n]*)?)?$`);

  // `x`, `{ a, b as c }`, `* as ns`, `x, { a }`, `x, * as ns` -> the target of a `var`
  // declaration and, for a namespace with a default, the extra declarator.
  function binding(clause) {
    let m = new RegExp(`^(?:(${ID})\\s*,\\s*)?\\*\\s*as\\s+(${ID})$`).exec(clause);
    if (m) return { target: m[2], extra: m[1] ? `, ${m[1]} = ${m[2]}.default` : "" };
    m = new RegExp(`^(?:(${ID})\\s*(?:,\\s*|$))?(?:\\{([^}]*)\\})?$`).exec(clause);
    if (!m || (!m[1] && m[2] === undefined)) return null;
    const parts = m[1] ? [`default: ${m[1]}`] : [];
    for (const item of (m[2] ?? "").split(",").map((x) => x.trim()).filter(Boolean)) {
      const n = new RegExp(`^(${ID})(?:\\s+as\\s+(${ID}))?$`).exec(item);
      if (!n) return null;
      parts.push(n[2] ? `${n[1]}: ${n[2]}` : n[1]);
    }
    return { target: `{ ${parts.join(", ")} }`, extra: "" };
  }

  // Import statements at the start of a line become `var` declarations from a dynamic import, so
  // the same line can be typed again. Returns the source to evaluate, or null while an import
  // statement is not finished. Anything else (and an import it does not understand) is left to
  // the compiler.
  function rewrite(src) {
    const re = /(^|[\n;])([ \t]*)import(?=[\s{*"'])(?!\s*\()/g;
    let out = "";
    let from = 0;
    for (let m; (m = re.exec(src)); ) {
      const at = m.index + m[1].length + m[2].length;
      const rest = src.slice(at + 6);
      let code;
      let used;
      const bare = SPEC.exec(rest);
      const full = bare ? null : FROM.exec(rest);
      if (bare) {
        code = `void (await import(${JSON.stringify(bare[2])}));`;
        used = bare[0].length;
      } else if (full) {
        const b = binding(full[1].trim());
        if (!b) continue;
        code = `var ${b.target} = await import(${JSON.stringify(full[3])})${b.extra};`;
        used = full[0].length;
      } else {
        if (PARTIAL.test(rest)) return null;
        continue;
      }
      out += src.slice(from, at) + code;
      from = at + 6 + used;
      re.lastIndex = from;
    }
    return out + src.slice(from);
  }

  return { complete, note, rewrite };
})()
