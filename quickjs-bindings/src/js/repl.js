// REPL helpers, evaluated once per context by repl.c: tab completion and the names declared at
// top level (let/const/class are not properties of globalThis, so completion remembers them).
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

  return { complete, note };
})()
