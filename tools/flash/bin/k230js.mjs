#!/usr/bin/env node
// The `k230js` command (npx k230js, node_modules/.bin/k230js): builds the CLI on first use or after
// a source change, so a fresh clone or a linked app project works with no build step, then runs it.
import { ensureBuilt, DIST } from "../build.mjs";
import { pathToFileURL } from "node:url";

await ensureBuilt();
await import(pathToFileURL(DIST).href);
