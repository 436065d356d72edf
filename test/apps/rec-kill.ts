// A recording the test kills with SIGKILL at a random moment: prints "started" once start()
// returned, then the pictures written after each one. Args: <file>
import { Mp4Recorder } from "k230:mp4";

const [file] = scriptArgs.slice(1) as [string];
const recorder = new Mp4Recorder({ file, video: { width: 320, height: 240, fps: 30, bitrate: 400 } });
recorder.start();
console.log("started");
for (;;) console.log(`frames ${recorder.process()}`);
