package io.meshtrace.collector.config;

/** The checks the configuration records share; each failure names the setting. */
final class Validate {
  private Validate() {}

  static void port(Setting<Integer> setting, int port) {
    if (port < 0 || port > 65535) {
      throw new InvalidConfigException(setting.name(), "is " + port
          + "; a port is 0 to 65535 (0 picks a free one)");
    }
  }

  /** A port that {@code -1} turns off. */
  static void portOrOff(Setting<Integer> setting, int port) {
    if (port < -1 || port > 65535) {
      throw new InvalidConfigException(setting.name(), "is " + port
          + "; a port is 0 to 65535 (0 picks a free one), or -1 to turn the listener off");
    }
  }

  static void atLeast(Setting<? extends Number> setting, long value, long min) {
    if (value < min) {
      throw new InvalidConfigException(setting.name(), "is " + value + " but must be at least "
          + min);
    }
  }
}
