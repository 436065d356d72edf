/**
 * The files `k230js init` writes into a new app project. The CLI and the type declarations come
 * from this k230js checkout as `file:` dependencies: npm links them (no registry, works offline)
 * and the CLI finds the runtime builds through the link.
 */
import { APP_COMPILER_OPTIONS } from "./app-config.js";

export interface ProjectInfo {
  name: string;
  cliDir: string;
  typesDir: string;
}

function json(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

/** Type errors as build/run/deploy/dev print them: `file:line:col: error TSnnnn: message`. */
const TYPE_ERRORS = {
  owner: "k230js",
  source: "ts",
  fileLocation: ["autoDetect", "${workspaceFolder}"],
  pattern: { regexp: "^(.+?):(\\d+):(\\d+): (error|warning) (TS\\d+): (.*)$", file: 1, line: 2, column: 3, severity: 4, code: 5, message: 6 },
};

export function projectFiles(p: ProjectInfo): Record<string, string> {
  return {
    "package.json": json({
      name: p.name,
      version: "0.1.0",
      private: true,
      type: "module",
      scripts: {
        dev: "k230js dev main.ts",
        build: "k230js build main.ts",
        start: "k230js run main.ts",
        deploy: "k230js deploy main.ts",
        repl: "k230js repl",
      },
      devDependencies: {
        "@k230js/cli": `file:${p.cliDir}`,
        "@k230js/types": `file:${p.typesDir}`,
      },
    }),
    "tsconfig.json": json({
      compilerOptions: { ...APP_COMPILER_OPTIONS, types: ["@k230js/types"] },
      include: ["**/*.ts"],
      exclude: ["node_modules", "dist"],
    }),
    "main.ts": `import { board, platform, sleepMs, ticksMs, exitpoint, EXITPOINT_ENABLE } from "k230:sys";

// Ctrl-C is delivered at exitpoint() calls and sleeps, so the loop can end cleanly.
exitpoint(EXITPOINT_ENABLE);
console.log(\`hello from ${p.name} on \${board} (\${platform})\`);
const t0 = ticksMs();
for (let i = 1; i <= 3; i++) {
  exitpoint();
  sleepMs(100);
  console.log(\`tick \${i}\`);
}
console.log(\`done in \${ticksMs() - t0} ms\`);
`,
    ".gitignore": "node_modules/\ndist/\n",
    "README.md": `# ${p.name}

A [k230js](${p.cliDir.replace(/\/tools\/flash$/, "")}) app: TypeScript for the Kendryte K230 (CanMV-K230).

\`\`\`sh
npm install                      # links the k230js CLI and the k230:* type declarations
npx k230js run main.ts           # type-check, bundle and run on the host simulator
npx k230js dev main.ts           # the same on every save (--port /dev/ttyACM0: on the board)
npx k230js build main.ts         # dist/main.js + source map
npx k230js deploy main.ts        # install as the board's /sdcard/main.js (runs at boot)
npx k230js repl                  # a TypeScript REPL on the board (--port sim: the simulator)
\`\`\`

In VS Code: Terminal > Run Task > \`dev\`, \`deploy\` or \`repl\`; type errors show in Problems.
The modules an app can import (\`k230:sys\`, \`k230:media\`, \`k230:mp4\`, \`k230:rtsp\`,
\`k230:audio\`, \`qjs:std\`, \`qjs:bjson\`) are typed by \`@k230js/types\`.
`,
    ".vscode/tasks.json": json({
      version: "2.0.0",
      tasks: [
        {
          label: "dev",
          type: "shell",
          command: "npx k230js dev main.ts",
          isBackground: true,
          group: { kind: "build", isDefault: true },
          problemMatcher: { ...TYPE_ERRORS, background: { activeBegin: true, beginsPattern: "^k230js dev: checking ", endsPattern: "^k230js dev: (running|.*waiting for changes)" } },
        },
        {
          label: "deploy",
          type: "shell",
          command: "npx k230js deploy main.ts",
          problemMatcher: TYPE_ERRORS,
        },
        {
          label: "repl",
          type: "shell",
          command: "npx k230js repl",
          isBackground: false,
          presentation: { focus: true, panel: "dedicated" },
          problemMatcher: [],
        },
      ],
    }),
  };
}
