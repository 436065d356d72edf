// vitest setup file: runs in every test file before its own hooks, so this afterAll runs after
// theirs (hooks unwind as a stack) — once the file's servers and children are stopped.
import { afterAll } from "vitest";
import { removeTempDirs } from "./run.js";

afterAll(() => removeTempDirs());
