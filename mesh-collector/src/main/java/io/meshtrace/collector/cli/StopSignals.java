package io.meshtrace.collector.cli;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop; a second one, or the stop outlasting its timeout,
 * ends the process at once. The JVM's own handling cannot do this: once its shutdown hooks run,
 * further signals are ignored, so a stop that hangs could only be ended by SIGKILL. A shutdown
 * hook still stops gracefully when the JVM exits for another reason.
 */
final class StopSignals {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  static void onStop(Duration timeout, Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable once = () -> {
      if (stopping.compareAndSet(false, true)) {
        Thread watchdog = new Thread(() -> {
          try {
            Thread.sleep(timeout.toMillis());
          } catch (InterruptedException e) {
            return;
          }
          LOG.error("Stopping took longer than --shutdown-timeout ({} ms); exiting now",
              timeout.toMillis());
          Runtime.getRuntime().halt(1);
        }, "meshtrace-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        stop.run();
        watchdog.interrupt();
      }
    };
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (stopping.get()) {
          LOG.warn("SIG{} again while stopping; exiting now", name);
          Runtime.getRuntime().halt(1);
        }
        new Thread(once, "meshtrace-stop").start();
      });
    }
    Runtime.getRuntime().addShutdownHook(new Thread(once, "meshtrace-shutdown"));
  }
}
