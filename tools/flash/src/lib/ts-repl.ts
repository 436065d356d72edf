/**
 * The host half of the TypeScript REPL (`k230js repl`, `exec`, `eval`): TypeScript input becomes a
 * global script for the board's raw exec. Imports become dynamic imports bound with `var` (a
 * script has no import statements, and `var` lets the same import line run again), types are
 * stripped, and the value of a final expression is printed with the board's own inspector
 * (`console.log("%o", ...)`, strings quoted as the board's REPL shows them).
 * Completion asks the TypeScript language service about the session's code so far, so
 * `media.` lists the members of k230:media and `new Sensor().` those of a Sensor.
 */
import type * as TS from "typescript";
import { loadTs, type Ts } from "./ts.js";
import { APP_COMPILER_OPTIONS } from "./app-config.js";
import { CliError } from "./errors.js";
import type { ParsedArgs } from "./args.js";
import type { RawClient } from "./rawproto.js";
import { openBoard, releaseBoard } from "./session.js";
import { typesEntry } from "./paths.js";


export type Transpiled = { kind: "ok"; js: string } | { kind: "incomplete" } | { kind: "error"; message: string };

function importToScript(ts: Ts, sf: TS.SourceFile, d: TS.ImportDeclaration): string {
  const spec = (d.moduleSpecifier as TS.StringLiteral).text;
  const from = `await import(${JSON.stringify(spec)})`;
  const clause = d.importClause;
  if (!clause) return `${from};`;
  if (clause.isTypeOnly) return "";
  const parts: string[] = [];
  const named: string[] = [];
  if (clause.name) named.push(`default: ${clause.name.text}`);
  const nb = clause.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) parts.push(`var ${nb.name.text} = ${from};`);
  if (nb && ts.isNamedImports(nb)) {
    for (const e of nb.elements) {
      if (e.isTypeOnly) continue;
      named.push(e.propertyName ? `${e.propertyName.getText(sf)}: ${e.name.text}` : e.name.text);
    }
  }
  if (named.length) parts.push(`var { ${named.join(", ")} } = ${from};`);
  return parts.join(" ") || `${from};`;
}

/** The parser's own complaint about input that simply has not ended yet (open block, string, ...). */
function endsEarly(sf: TS.SourceFile): boolean {
  const diags = (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
  const end = sf.text.trimEnd().length;
  return diags.some((d) => (d.start ?? 0) >= end || /^Unterminated/.test(String(d.messageText)));
}

/** TypeScript input -> a global script; `print` shows the value of a final expression. */
export async function transpileInput(src: string, print: boolean): Promise<Transpiled> {
  const ts = await loadTs();
  const sf = ts.createSourceFile("input.ts", src, ts.ScriptTarget.ES2023, true, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
  if (diags.length) {
    if (endsEarly(sf)) return { kind: "incomplete" };
    const d = diags[0]!;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    return { kind: "error", message: `${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}` };
  }
  let out = "";
  let at = 0;
  const last = sf.statements.at(-1);
  for (const st of sf.statements) {
    out += src.slice(at, st.getStart(sf));
    if (ts.isImportDeclaration(st)) out += importToScript(ts, sf, st);
    else if (print && st === last && ts.isExpressionStatement(st)) out += `console.log("%o", (${st.expression.getText(sf)}\n));`;
    else out += st.getText(sf);
    at = st.getEnd();
  }
  out += src.slice(at);
  const js = ts.transpileModule(out, {
    compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, removeComments: false },
    reportDiagnostics: false,
  }).outputText;
  return { kind: "ok", js };
}

/** Completions from the language service over the session's accepted input plus the line. */
export class ReplCompleter {
  private accepted: string[] = [];
  private current = "";
  private version = 0;
  private service: TS.LanguageService | undefined;

  /** Input that ran (or was sent) becomes context for later completions. */
  accept(src: string): void {
    this.accepted.push(src);
  }

  private async ls(): Promise<TS.LanguageService> {
    if (this.service) return this.service;
    const ts = await loadTs();
    const options = ts.convertCompilerOptionsFromJson({ ...APP_COMPILER_OPTIONS, noUnusedLocals: false }, process.cwd()).options;
    const file = "/repl/input.ts";
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [file, typesEntry()],
      getScriptVersion: (f) => (f === file ? String(this.version) : "0"),
      getScriptSnapshot: (f) => {
        if (f === file) return ts.ScriptSnapshot.fromString(this.text());
        const t = ts.sys.readFile(f);
        return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t);
      },
      getCurrentDirectory: () => process.cwd(),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => f === file || ts.sys.fileExists(f),
      readFile: (f) => (f === file ? this.text() : ts.sys.readFile(f)),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
    return this.service;
  }

  private text(): string {
    // `export {}` makes it a module, where top-level await (used freely at the prompt) is valid.
    return `${this.accepted.join("\n")}\n${this.current}\nexport {};\n`;
  }

  /** [candidates, the word they replace] for the text before the cursor (Node readline's shape). */
  async complete(before: string): Promise<[string[], string]> {
    const inString = /(["'])((?:(?!\1).)*)$/.exec(before);
    const word = inString && (before.split(inString[1]!).length - 1) % 2 === 1 ? inString[2]! : (/[A-Za-z0-9_$]*$/.exec(before)?.[0] ?? "");
    const ls = await this.ls();
    this.current = before;
    this.version++;
    const prefix = this.accepted.join("\n").length + 1;
    const info = ls.getCompletionsAtPosition("/repl/input.ts", prefix + before.length, { includeCompletionsForModuleExports: false });
    const names = [...new Set((info?.entries ?? []).map((e) => e.name))].filter((n) => n.startsWith(word)).sort();
    return [names, word];
  }
}

/** Transpiles and runs one input on the board as a global script; resolves with its exit status. */
export async function runInput(c: RawClient, src: string, print: boolean, what: string): Promise<number> {
  const t = await transpileInput(src, print);
  if (t.kind === "incomplete") throw new CliError(`${what}: the code ends too early (an unclosed block, bracket or string?)`);
  if (t.kind === "error") throw new CliError(`${what}: SyntaxError: ${t.message}`);
  return c.exec(t.js, { module: false, name: `<${what}>` });
}

/** `exec` and `eval`: one input on the board named by the command's --port. */
export async function runInputCommand(args: ParsedArgs, what: "exec" | "eval", print: boolean): Promise<number> {
  const c = await openBoard(args, what);
  try {
    return await runInput(c, args.positional[0]!, print, what);
  } finally {
    await releaseBoard();
  }
}
