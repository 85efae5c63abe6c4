package io.meshtrace.collector.config;

import java.util.Map;
import java.util.Objects;

/**
 * The values of a server's settings once every source (flags, environment, config file,
 * defaults) has been read: what the configuration records are built from, setting by setting.
 */
public final class SettingValues {
  private final Map<String, Object> values;

  /** @param values by setting name; a setting given nowhere and without a default is absent */
  public SettingValues(Map<String, Object> values) {
    this.values = Map.copyOf(Objects.requireNonNull(values));
  }

  /** The value, or null when the setting has none. */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    return (T) values.get(setting.name());
  }
}
