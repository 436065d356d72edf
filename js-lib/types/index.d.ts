/// <reference path="./globals.d.ts" />
/// <reference path="./k230-sys.d.ts" />
