package io.meshtrace.collector.config;

/** A setting with a value meshtrace cannot start with; the message names the setting. */
public final class InvalidConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String setting;

  public InvalidConfigException(String setting, String problem) {
    super("invalid setting " + setting + ": " + problem);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }
}
