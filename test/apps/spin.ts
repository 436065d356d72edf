// Spins forever; the test interrupts it with SIGINT. With "coop" it uses exit points.
import * as sys from "k230:sys";

if (scriptArgs.includes("coop")) {
  sys.exitpoint(sys.EXITPOINT_ENABLE_SLEEP);
  try {
    console.log("spinning");
    for (;;) sys.exitpoint();
  } finally {
    console.log("cleanup ran");
  }
} else {
  console.log("spinning");
  for (;;) {
    /* nothing */
  }
}
