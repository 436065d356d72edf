/// <reference path="./globals.d.ts" />
/// <reference path="./k230-sys.d.ts" />
/// <reference path="./k230-mp4.d.ts" />
/// <reference path="./k230-rtsp.d.ts" />
/// <reference path="./k230-media.d.ts" />
/// <reference path="./k230-audio.d.ts" />
/// <reference path="./k230-net.d.ts" />
