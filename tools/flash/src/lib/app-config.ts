/**
 * The TypeScript settings of a k230js app: what `init` writes into a new project's tsconfig.json
 * and what the type check uses for an app with no tsconfig.json of its own. Apps run on
 * QuickJS-ng (ES2023, no DOM, no Node), bundled by esbuild.
 */
export const APP_COMPILER_OPTIONS = {
  target: "ES2023",
  lib: ["ES2023"],
  module: "ESNext",
  moduleResolution: "Bundler",
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  forceConsistentCasingInFileNames: true,
  skipLibCheck: false,
  noEmit: true,
  types: [] as string[],
};
