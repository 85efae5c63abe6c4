package io.meshtrace.lifecycle;

/** A component that listens on a port: an HTTP or gRPC server. */
public interface Listener extends Component {
  /** The bound port, once started (the port asked for, or the free one given for 0). */
  int port();

  /**
   * The process is stopping: keep serving, but tell clients to take their next requests
   * elsewhere (HTTP/1.1 answers carry {@code Connection: close}); once stopped, requests already
   * in progress still get their answers, for up to {@code answerWithin}. Does nothing by default
   * (UDP has no connections and no answers).
   */
  default void drain(java.time.Duration answerWithin) {}
}
