/**
 * Type-checks an app with the TypeScript compiler before it is bundled (build, run, deploy, dev).
 * The program is the entry (and what it imports), the declarations of the k230:* and qjs:*
 * modules, and the nearest tsconfig.json's options (APP_COMPILER_OPTIONS without one).
 *
 * Incremental in two steps: a check whose inputs (every file of the last program, the options)
 * are unchanged since a clean check answers from a manifest without building a program; else the
 * builder program reuses what it can, from memory in a long-running `dev`, from the .tsbuildinfo
 * in the user's cache directory otherwise.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type * as TS from "typescript";
import { loadTs, type Ts } from "./ts.js";
import { APP_COMPILER_OPTIONS } from "./app-config.js";
import { displayPath } from "./format.js";
import { typesEntry, userCacheDir } from "./paths.js";

const MANIFEST_VERSION = 1;

export interface CheckResult {
  /** One `file:line:col: error TSnnnn: message` line per error (file relative to the cwd when inside it). */
  errors: string[];
  /** Files in the checked program. */
  files: number;
  /** True when the answer came from the manifest (nothing changed since a clean check). */
  fromManifest: boolean;
}

interface Manifest {
  key: string;
  files: [string, number, number][];
}

function fileStamp(path: string): [number, number] | null {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? [st.mtimeMs, st.size] : null;
}

export class AppChecker {
  readonly entry: string;
  private builder: TS.EmitAndSemanticDiagnosticsBuilderProgram | undefined;
  private readonly sources = new Map<string, { stamp: string; sf: TS.SourceFile }>();
  private readonly state: string;

  constructor(entry: string) {
    this.entry = resolve(entry);
    const id = createHash("sha256").update(this.entry).digest("hex").slice(0, 16);
    this.state = join(userCacheDir("tsc"), id);
  }

  /** The nearest tsconfig.json from the entry's directory up (found without loading TypeScript). */
  private configFile(): string | undefined {
    for (let dir = dirname(this.entry); ; dir = dirname(dir)) {
      const f = join(dir, "tsconfig.json");
      if (fileStamp(f)) return f;
      if (dirname(dir) === dir) return undefined;
    }
  }

  private config(ts: Ts, configFile: string | undefined): { options: TS.CompilerOptions; roots: string[]; configFiles: string[] } {
    let options: TS.CompilerOptions;
    const roots = [this.entry, typesEntry()];
    const configFiles: string[] = [];
    if (configFile) {
      const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
      options = parsed?.options ?? {};
      configFiles.push(configFile, ...((options.configFile as { extendedSourceFiles?: string[] } | undefined)?.extendedSourceFiles ?? []));
      // Declarations the project includes (ambient types of its own) are part of every app.
      for (const f of parsed?.fileNames ?? []) if (f.endsWith(".d.ts")) roots.push(resolve(f));
    } else {
      options = ts.convertCompilerOptionsFromJson(APP_COMPILER_OPTIONS, dirname(this.entry)).options;
    }
    options = { ...options, noEmit: true, incremental: true, tsBuildInfoFile: `${this.state}.tsbuildinfo` };
    delete options.outDir;
    delete options.declaration;
    return { options, roots, configFiles };
  }

  private manifestPath(): string {
    return `${this.state}.manifest.json`;
  }

  /** The fast path: the last check was clean and none of its inputs changed. */
  private upToDate(key: string): number | null {
    let m: Manifest;
    try {
      m = JSON.parse(readFileSync(this.manifestPath(), "utf8")) as Manifest;
    } catch {
      return null;
    }
    if (m.key !== key || !Array.isArray(m.files)) return null;
    for (const [path, mtime, size] of m.files) {
      const s = fileStamp(path);
      if (!s || s[0] !== mtime || s[1] !== size) return null;
    }
    return m.files.length;
  }

  private host(ts: Ts, options: TS.CompilerOptions): TS.CompilerHost {
    const host = ts.createIncrementalCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    // Parsed files are kept while their stamp holds: lib.*.d.ts and declarations parse once per process.
    host.getSourceFile = (fileName, lang, onError, shouldCreate) => {
      const s = fileStamp(fileName);
      const stamp = s ? `${s[0]}:${s[1]}` : "";
      const hit = this.sources.get(fileName);
      if (hit && hit.stamp === stamp && !shouldCreate) return hit.sf;
      const sf = read(fileName, lang, onError, shouldCreate);
      if (sf) this.sources.set(fileName, { stamp, sf });
      return sf;
    };
    return host;
  }

  async check(): Promise<CheckResult> {
    const configFile = this.configFile();
    // What the inputs cannot show: the check's own settings and where the config was found.
    const key = createHash("sha256")
      .update(JSON.stringify([MANIFEST_VERSION, APP_COMPILER_OPTIONS, this.entry, configFile ?? null]))
      .digest("hex");
    const known = this.upToDate(key);
    if (known !== null) return { errors: [], files: known, fromManifest: true };
    const ts = await loadTs();
    const { options, roots, configFiles } = this.config(ts, configFile);
    const host = this.host(ts, options);
    const old = this.builder ?? ts.readBuilderProgram(options, host);
    const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(roots, options, host, old);
    this.builder = builder;
    const diags = [
      ...builder.getConfigFileParsingDiagnostics(),
      ...builder.getOptionsDiagnostics(),
      ...builder.getGlobalDiagnostics(),
      ...builder.getSyntacticDiagnostics(),
      ...builder.getSemanticDiagnostics(),
    ].filter((d) => d.category === ts.DiagnosticCategory.Error);
    builder.emit(); // with noEmit: only the .tsbuildinfo
    const errors = diags.map((d) => formatDiagnostic(ts, d));
    const files = [...builder.getProgram().getSourceFiles().map((f) => resolve(f.fileName)), ...configFiles];
    const stamps: [string, number, number][] = [];
    for (const f of files) {
      const s = fileStamp(f);
      if (s) stamps.push([f, s[0], s[1]]);
    }
    // Only a clean check is remembered: an error may be a file that does not exist yet.
    writeFileSync(this.manifestPath(), errors.length ? "{}" : JSON.stringify({ key, files: stamps } satisfies Manifest));
    return { errors, files: files.length, fromManifest: false };
  }
}

export function formatDiagnostic(ts: Ts, d: TS.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
  if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${displayPath(d.file.fileName)}:${line + 1}:${character + 1}: error TS${d.code}: ${text}`;
}
