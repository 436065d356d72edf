// Throws from a known line so the test can check the source-mapped report.
import { ticksMs } from "k230:sys";

function checkSensor(width: number): number {
  if (width > 0) throw new RangeError(`bad width ${width}`); // line 5
  return ticksMs();
}

setTimeout(() => checkSensor(1920), 1);
