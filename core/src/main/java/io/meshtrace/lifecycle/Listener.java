package io.meshtrace.lifecycle;

/** A component that listens on a port: an HTTP or gRPC server. */
public interface Listener extends Component {
  /** The bound port, once started (the port asked for, or the free one given for 0). */
  int port();
}
