// Value inspector behind console.log and the REPL. Evaluated once per context; the resulting
// object is kept by the VM, so nothing here is visible to apps.
(function () {
  "use strict";
  const MAX_DEPTH = 2;
  const MAX_ITEMS = 100;
  const LINE = 72;

  function quote(s) {
    return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r") + "'";
  }
  function key(k) {
    return typeof k === "symbol" ? "[" + k.toString() + "]" : /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
  }
  function wrap(open, items, close) {
    if (items.length === 0) return open.trimEnd() + close.trimStart();
    const one = open + items.join(", ") + close;
    if (one.length <= LINE && !one.includes("\n")) return one;
    return open.trimEnd() + "\n" + items.map((s) => "  " + s.replace(/\n/g, "\n  ")).join(",\n") + "\n" + close.trimStart();
  }
  function ctorName(v) {
    try {
      const p = Object.getPrototypeOf(v);
      if (p === null) return "[Object: null prototype]";
      const c = p.constructor;
      return c && typeof c.name === "string" ? c.name : "";
    } catch (e) {
      return "";
    }
  }
  function fmt(v, depth, seen) {
    switch (typeof v) {
      case "string": return quote(v);
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "bigint": return v + "n";
      case "boolean":
      case "undefined": return String(v);
      case "symbol": return v.toString();
      case "function": {
        const src = Function.prototype.toString.call(v);
        const kind = /^class\b/.test(src) ? "class" : "Function";
        return "[" + kind + (v.name ? ": " + v.name : " (anonymous)") + "]";
      }
    }
    if (v === null) return "null";
    if (seen.includes(v)) return "[Circular]";
    if (v instanceof Error) {
      const head = (v.name || "Error") + ": " + v.message;
      return v.stack ? head + "\n" + String(v.stack).replace(/\n$/, "") : head;
    }
    if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (v instanceof Promise) return "Promise {}";
    if (v instanceof ArrayBuffer) return "ArrayBuffer { byteLength: " + v.byteLength + " }";
    const name = ctorName(v);
    if (depth > MAX_DEPTH) return Array.isArray(v) ? "[Array]" : "[" + (name || "Object") + "]";
    seen.push(v);
    try {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        const n = v.length;
        const items = Array.prototype.slice.call(v, 0, MAX_ITEMS).map((x) => fmt(x, depth + 1, seen));
        if (n > MAX_ITEMS) items.push("... " + (n - MAX_ITEMS) + " more items");
        return wrap(name + "(" + n + ") [ ", items, " ]");
      }
      if (Array.isArray(v)) {
        const items = [];
        for (let i = 0; i < Math.min(v.length, MAX_ITEMS); i++) items.push(i in v ? fmt(v[i], depth + 1, seen) : "<empty>");
        if (v.length > MAX_ITEMS) items.push("... " + (v.length - MAX_ITEMS) + " more items");
        return wrap("[ ", items, " ]");
      }
      if (v instanceof Map) {
        const items = [];
        for (const [k, x] of v) {
          if (items.length >= MAX_ITEMS) break;
          items.push(fmt(k, depth + 1, seen) + " => " + fmt(x, depth + 1, seen));
        }
        return wrap("Map(" + v.size + ") { ", items, " }");
      }
      if (v instanceof Set) {
        const items = [];
        for (const x of v) {
          if (items.length >= MAX_ITEMS) break;
          items.push(fmt(x, depth + 1, seen));
        }
        return wrap("Set(" + v.size + ") { ", items, " }");
      }
      const items = [];
      for (const k of Reflect.ownKeys(v)) {
        const d = Object.getOwnPropertyDescriptor(v, k);
        if (!d || !d.enumerable) continue;
        if (items.length >= MAX_ITEMS) { items.push("..."); break; }
        const val = "value" in d ? fmt(d.value, depth + 1, seen) : d.get && d.set ? "[Getter/Setter]" : d.get ? "[Getter]" : "[Setter]";
        items.push(key(k) + ": " + val);
      }
      const prefix = name && name !== "Object" ? name + " " : "";
      return wrap(prefix + "{ ", items, " }");
    } finally {
      seen.pop();
    }
  }
  function inspect(v, quoteStrings) {
    if (typeof v === "string" && !quoteStrings) return v;
    return fmt(v, 0, []);
  }
  function format(...args) {
    let out = "";
    let i = 0;
    // As in Node, a lone string is printed as it is: "%" only formats when arguments follow.
    if (typeof args[0] === "string" && args.length > 1 && args[0].includes("%")) {
      const f = args[0];
      i = 1;
      for (let p = 0; p < f.length; p++) {
        const c = f[p];
        if (c !== "%" || p + 1 >= f.length) { out += c; continue; }
        const t = f[++p];
        if (t === "%") { out += "%"; continue; }
        if (i >= args.length || !"sdifoOjc".includes(t)) { out += "%" + t; continue; }
        const a = args[i++];
        switch (t) {
          case "s": out += typeof a === "string" ? a : inspect(a, false); break;
          case "d":
          case "i": out += typeof a === "bigint" ? a + "n" : String(t === "i" ? Math.trunc(Number(a)) : Number(a)); break;
          case "f": out += String(Number(a)); break;
          case "j": try { out += JSON.stringify(a); } catch (e) { out += "[Circular]"; } break;
          case "c": break;
          default: out += inspect(a, true);
        }
      }
    }
    for (; i < args.length; i++) out += (out.length || i > 0 ? " " : "") + inspect(args[i], false);
    return out;
  }
  return { inspect, format };
})()
