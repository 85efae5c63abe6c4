package io.meshtrace.collector;

import io.meshtrace.collector.cli.MeshtraceCommand;

/** {@code java -jar meshtrace.jar COMMAND [OPTIONS]}; see {@code --help}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(MeshtraceCommand.run(args, System.getenv()));
  }
}
