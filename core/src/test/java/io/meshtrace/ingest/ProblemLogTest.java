package io.meshtrace.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.junit.jupiter.api.Test;

class ProblemLogTest {

  @Test
  void oneLinePerKindAndIntervalSayingHowManyWereNotLogged() throws Exception {
    RecordingLogger logger = new RecordingLogger();
    ProblemLog problems = new ProblemLog(logger, Duration.ofMillis(300));
    for (int i = 0; i < 5; i++) {
      problems.warn("malformed", "bad packet " + i);
    }
    problems.warn("too_large", "big packet");
    assertThat(logger.lines).containsExactly("bad packet 0", "big packet");
    Thread.sleep(350);
    problems.warn("malformed", "bad packet 5");
    assertThat(logger.lines).containsExactly("bad packet 0", "big packet",
        "bad packet 5 (4 more of this kind since the last such line)");
  }

  /** Keeps what is logged at WARN. */
  private static final class RecordingLogger extends AbstractLogger {
    private static final long serialVersionUID = 1L;
    final List<String> lines = new ArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern,
        Object[] arguments, Throwable throwable) {
      if (level == Level.WARN) {
        lines.add(MessageFormatter.basicArrayFormat(pattern, arguments));
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return false;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return false;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return false;
    }
  }
}
